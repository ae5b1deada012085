"""Reference (c) of ``bench_large.py`` for document/literal: spyne serving the ``ILarge`` contract.

spyne 2.14 is a WSGI framework; as in the shared peers' reference server (``peers/clients/refserver.py``,
the same ``Soap11`` document/literal wrapped service), it runs here under uvicorn through ``a2wsgi`` so it
gets the same HTTP server as the gateway::

    uvicorn benchmarks.spyne_large_app:app --port 8000     # POST /Large.soap

Operations, parameter names and the namespace (``urn:large``) are those of ``benchmarks/large_app.py``, so
one request is answered by both; the payloads are built once per size there too.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from a2wsgi import WSGIMiddleware
from spyne import Application, Array, ByteArray, ComplexModel, Double, Integer32, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from benchmarks.large_app import payload, strings

TNS = "urn:large"
logging.getLogger("spyne").setLevel(logging.WARNING)


class Item(ComplexModel):  # type: ignore[misc]
    __namespace__ = TNS
    _type_info = [("Id", Integer32), ("Name", Unicode), ("Value", Double)]  # noqa: RUF012 (spyne's API)


@functools.lru_cache(maxsize=8)
def items(count: int) -> list[Any]:
    return [Item(Id=i, Name=f"item {i}", Value=i * 0.5) for i in range(count)]


class LargeService(ServiceBase):  # type: ignore[misc]
    @rpc(Integer32, _returns=ByteArray)  # type: ignore[misc]
    def GetBytes(ctx: Any, size: int) -> list[bytes]:  # noqa: N805 (spyne passes its context)
        return [payload(size)]  # spyne's ByteArray is a sequence of chunks

    @rpc(ByteArray, _returns=Integer32)  # type: ignore[misc]
    def PutBytes(ctx: Any, data: Any) -> int:  # noqa: N805 (spyne passes its context)
        return sum(len(chunk) for chunk in data or ())

    @rpc(Array(Integer32), _returns=Integer32)  # type: ignore[misc]
    def SumInts(ctx: Any, values: Any) -> int:  # noqa: N805 (spyne passes its context)
        return sum(values or ())

    @rpc(Integer32, _returns=Array(Unicode))  # type: ignore[misc]
    def GetStrings(ctx: Any, count: int) -> list[str]:  # noqa: N805 (spyne passes its context)
        return strings(count)

    @rpc(Integer32, _returns=Array(Item))  # type: ignore[misc]
    def GetItems(ctx: Any, count: int) -> list[Any]:  # noqa: N805 (spyne passes its context)
        return items(count)


application = Application(
    [LargeService], tns=TNS, name="LargeService", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11()
)
app = WSGIMiddleware(WsgiApplication(application, max_content_length=24 * 1024 * 1024))
