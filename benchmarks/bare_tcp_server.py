"""The ceiling of any asyncio TCP server here: answers every read with Mono's captured ``HelloMethod`` reply
frame, without parsing or calling anything (uvloop when installed). ``bench_tcp.py``'s "bare" row, as
``fixed_response_app.py`` is ``bench_server.py``'s; ``tcp_callcost.py --bare`` runs the same protocol in
process. With one call in flight per connection each read is one whole request (the client sends it in one
write and waits for the answer). After a reply the loop polls for the next request as long as the gateway's
TCP channel does by default (its spin-wait, ``gateway/model/spin_wait.py``), so that it stays its ceiling.

    python benchmarks/bare_tcp_server.py PORT
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.model.spin_wait import DEFAULT_SPIN_WAIT_US, SpinWait  # noqa: E402

REPLY = (ROOT / "tests" / "fixtures" / "mono_tcp" / "binary_HelloMethod.reply.bin").read_bytes()
#: the loop's spin-wait, kicked by every reply (one for the process: it serves one loop)
SPIN = SpinWait(DEFAULT_SPIN_WAIT_US / 1e6)


class Bare(asyncio.Protocol):
    """Answers each read with the same reply frame: no parsing, no call."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        self.transport.write(REPLY)  # type: ignore[attr-defined]
        SPIN.kick(self.loop)


async def serve(port: int, protocol: Callable[[], asyncio.Protocol] = Bare) -> None:
    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: list[str], protocol: Callable[[], asyncio.Protocol] = Bare) -> int:
    """Serve ``protocol`` (``lean_tcp_server.py`` passes its own) on 127.0.0.1:``argv[1]``, on uvloop if it is here."""
    port = int(argv[1])
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(port, protocol))
    else:
        uvloop.run(serve(port, protocol))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
