"""The call model contract (``tests/interop/csharp/callmodel/CallModel.cs``) served by Python: one-way
methods, the logical call context, delegates and callback objects.

    uvicorn examples.call_model:app                              # the server
    python -m examples.call_model [BASE_URL] [--binary]          # the client side (ours or Mono's server)

``CallModelService`` is a Singleton at ``/CallModel.soap`` and ``/CallModel.rem`` (type filter Full: it takes
delegates to, and references of, its callers' objects). What a .NET client written against
``CallModelShared.dll`` sees:

* ``Notify`` / ``NotifyFail`` are ``[OneWay]``: the caller is answered at once, the method runs after
  (``"sleep:N ..."`` sleeps N ms first), and ``NotifyFail``'s exception is only logged here;
* ``Traced`` reads the ``trace`` slot of the caller's ``CallContext`` (a ``TraceTag``, which is
  ``ILogicalThreadAffinative``), changes it, adds ``server`` and frees ``drop``: the caller gets them back;
  its overload ``Traced(string[] texts, ref int hops, out TraceTag seen)`` (``TracedAll`` here) does the same
  with a typed array, a ref and an out parameter in the same call; ``TracedLength(text, out int length)``
  (Python only, not in the C# contract) with a plain out parameter; ``TracedFail`` changes it the same way,
  then throws ``InvalidOperationException``: a binary caller gets the changed context with the exception
  (as from .NET), a SOAP caller none;
* ``Subscribe(new MessageHandler(sink.OnMessage))`` keeps the delegate, ``Publish`` calls every subscriber
  back through its caller's channel, in the formatter that caller used;
* ``CallBack(sink, text)`` calls ``sink.OnMessage(text)`` on the caller's object.

:func:`demo` is the client side, in Python: it prints what each of these gives, against this app or Mono's
``CallModelServer.exe`` alike (``BASE_URL`` defaults to ``http://127.0.0.1:8000/``).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import ClassVar, Protocol

from gateway import (
    CallContext,
    ILogicalThreadAffinative,
    InvalidOperationException,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    TypeFilterLevel,
    WellKnownObjectMode,
    one_way,
)
from soap import Out, Ref, clr_type, delegate, serializable
from wsdl import clr_method

ASSEMBLY = "CallModelShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"


@serializable("CallModel.TraceTag", assembly=ASSEMBLY)
@dataclass
class TraceTag(ILogicalThreadAffinative):
    """Flows with calls: set it with ``CallContext.set_data``."""

    Id: str | None = None
    Hops: int = 0


@delegate("CallModel.MessageHandler", assembly=ASSEMBLY)
class MessageHandler(Protocol):
    """``public delegate void MessageHandler(string message)``."""

    def __call__(self, message: str) -> None: ...


@clr_type("CallModel.EventSink", assembly=ASSEMBLY)
class EventSink(MarshalByRefObject):
    """A client's callback object: servers call ``OnMessage`` on it (directly, or through a delegate)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[str] = []

    def OnMessage(self, message: str) -> None:
        with self._lock:
            self._received.append(message)

    def Received(self) -> str:
        with self._lock:
            return ";".join(self._received)

    def _hidden(self, message: str) -> None:
        """Not remote (a ``_`` name): no delegate may name it."""

    def InitializeLifetimeService(self) -> None:
        return None


@clr_type("CallModel.ICallModel", assembly=ASSEMBLY)
class ICallModel:
    @one_way
    def Notify(self, message: str) -> None:
        raise NotImplementedError

    @one_way
    def NotifyFail(self, message: str) -> None:
        raise NotImplementedError

    def LastNotice(self) -> str:
        raise NotImplementedError

    def Traced(self, text: str) -> str:
        raise NotImplementedError

    def TracedFail(self, text: str) -> str:
        raise NotImplementedError

    @clr_method("Traced")
    def TracedAll(self, texts: list[str], hops: Ref[int], seen: Out[TraceTag | None] = None,
                  ) -> tuple[list[str], int, TraceTag | None]:
        raise NotImplementedError

    def TracedLength(self, text: str, length: Out[int] = 0) -> tuple[str, int]:
        raise NotImplementedError

    def Subscribe(self, handler: MessageHandler) -> None:
        raise NotImplementedError

    def Publish(self, message: str) -> int:
        raise NotImplementedError

    def ClearSubscribers(self) -> None:
        raise NotImplementedError

    def CallBack(self, sink: EventSink, message: str) -> str:
        raise NotImplementedError


class CallModelService(MarshalByRefObject, ICallModel):
    """The service; its state is shared by every instance (as the C# one's static fields)."""

    __remoting_contract__ = ICallModel
    _lock = threading.Lock()
    _last_notice = ""
    _subscribers: ClassVar[list[MessageHandler]] = []

    def Notify(self, message: str) -> None:
        if message.startswith("sleep:"):
            time.sleep(int(message[6:].split(" ")[0]) / 1000)
        with CallModelService._lock:
            CallModelService._last_notice = message

    def NotifyFail(self, message: str) -> None:
        raise RuntimeError(f"NotifyFail: {message}")

    def LastNotice(self) -> str:
        with CallModelService._lock:
            return CallModelService._last_notice

    def Traced(self, text: str) -> str:
        tag = CallContext.get_data("trace")
        names = [n for n in ("trace", "drop", "local", "server", "extra") if CallContext.get_data(n) is not None]
        seen = f"{tag.Id}|{tag.Hops}" if isinstance(tag, TraceTag) else "-"
        if isinstance(tag, TraceTag):
            CallContext.set_data("trace", TraceTag(tag.Id, tag.Hops + 1))
            CallContext.set_data("server", TraceTag(f"server-{tag.Id}", 0))
        CallContext.free_named_data_slot("drop")
        return f"{text}|{seen}|{','.join(names)}"

    def TracedFail(self, text: str) -> str:
        self.Traced(text)
        raise InvalidOperationException(text)  # a binary fault carries the context changed above

    def TracedAll(self, texts: list[str], hops: Ref[int], seen: Out[TraceTag | None] = None,
                  ) -> tuple[list[str], int, TraceTag | None]:
        tag = CallContext.get_data("trace")
        tag = tag if isinstance(tag, TraceTag) else None
        answer = [f"{text}|{tag.Id if tag else '-'}" for text in texts]
        self.Traced("")  # the same changes to the context
        return answer, hops + 1, None if tag is None else TraceTag(tag.Id, tag.Hops)

    def TracedLength(self, text: str, length: Out[int] = 0) -> tuple[str, int]:
        return self.Traced(text), len(text)  # an out parameter beside the context changes of ``Traced``

    def Subscribe(self, handler: MessageHandler) -> None:
        with CallModelService._lock:
            CallModelService._subscribers.append(handler)

    def Publish(self, message: str) -> int:
        with CallModelService._lock:
            subscribers = list(CallModelService._subscribers)
        for handler in subscribers:
            handler(message)  # a call back into the subscriber, through its channel
        return len(subscribers)

    def ClearSubscribers(self) -> None:
        with CallModelService._lock:
            CallModelService._subscribers.clear()

    def CallBack(self, sink: EventSink, message: str) -> str:
        sink.OnMessage(message)
        return "called"

    def InitializeLifetimeService(self) -> None:
        return None


app = RemotingApp(type_filter=TypeFilterLevel.Full, formatters=("soap", "binary"))
app.register_well_known(CallModelService, "CallModel.soap", WellKnownObjectMode.Singleton)
app.register_well_known(CallModelService, "CallModel.rem", WellKnownObjectMode.Singleton)


def demo(base_url: str = "http://127.0.0.1:8000/", formatter: str = "soap") -> None:
    """Call every feature of the contract and print what comes back (the comments show it)."""
    uri = "CallModel.rem" if formatter == "binary" else "CallModel.soap"
    with RemotingClient(formatter=formatter, timeout=20, listen=True) as client:  # listen: for callbacks
        service = client.get_object(ICallModel, base_url.rstrip("/") + "/" + uri)
        service.Notify("sleep:1000 hello")        # [OneWay]: returns at once, the server sleeps after answering
        service.NotifyFail("boom")                # its exception is never reported
        CallContext.set_data("trace", TraceTag("demo", 1))   # ILogicalThreadAffinative: flows with the calls
        CallContext.set_data("local", "mine")                # plain data: stays here
        print(service.Traced("t"))                # t|demo|1|trace
        print(CallContext.get_data("trace"), CallContext.get_data("server"))
        # TraceTag(Id='demo', Hops=2) TraceTag(Id='server-demo', Hops=0)
        print(service.TracedAll(["a", "b"], 1))   # (['a|demo', 'b|demo'], 2, TraceTag(Id='demo', Hops=2))
        for name in ("trace", "server", "local"):
            CallContext.free_named_data_slot(name)
        sink = EventSink()
        service.ClearSubscribers()
        service.Subscribe(sink.OnMessage)         # a delegate: MessageHandler(sink.OnMessage)
        print(service.Publish("news"))            # 1 (the server called sink.OnMessage("news") back)
        service.ClearSubscribers()
        print(service.CallBack(sink, "ping"))     # called
        print(sink.Received())                    # news;ping
        while service.LastNotice() != "sleep:1000 hello":
            time.sleep(0.1)
        print(service.LastNotice())               # sleep:1000 hello


if __name__ == "__main__":
    demo(next((a for a in sys.argv[1:] if not a.startswith("--")), "http://127.0.0.1:8000/"),
         "binary" if "--binary" in sys.argv[1:] else "soap")
