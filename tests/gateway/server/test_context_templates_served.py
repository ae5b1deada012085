"""Served calls with a call context and an out parameter, read and answered from templates, as in full.

Our client calls ``TracedLength(text, out int length)`` with a ``TraceTag`` in the call context several
times: after the first call the server reads the calls from a template (soap/_request_templates.py) and
writes the answers from one (soap/_shaped_answers.py), and each answer still carries its own out value and
the context the method left. A message of the template's shape whose context names an unregistered type, or
holds a value its field refuses, is refused with a clean fault, as the first call would be.
"""

from __future__ import annotations

import httpx

from examples.call_model import CallModelService, ICallModel, TraceTag
from gateway import AsyncRemotingClient, CallContext, RemotingApp, TypeFilterLevel, WellKnownObjectMode
from soap import SoapFormatter
from soap._request_templates import TemplateCall

from .asgi import http

URL = "http://testserver/CallModel.soap"


def served() -> RemotingApp:
    app = RemotingApp(type_filter=TypeFilterLevel.Full, formatters=("soap",))
    app.register_well_known(CallModelService, "CallModel.soap", WellKnownObjectMode.Singleton)
    return app


def test_context_calls_answer_with_their_own_context_and_out_values() -> None:
    app = served()
    sent: list[httpx.Request] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(request)

    async def scenario(client: httpx.AsyncClient) -> None:
        client.event_hooks["request"] = [keep]
        async with AsyncRemotingClient(formatter="soap", http_client=client) as remoting:
            service = remoting.get_object(ICallModel, URL)
            for tag_id, hops, text in (("abc", 1, "t"), ("x & <y>", 41, "longer text"), ("\u00e9", -3, "r\u00e9")):
                CallContext.set_data("trace", TraceTag(tag_id, hops))
                try:
                    answer = await service.TracedLength(text)
                    back = CallContext.get_data("trace"), CallContext.get_data("server")
                finally:
                    CallContext.free_named_data_slot("trace")
                    CallContext.free_named_data_slot("server")
                assert answer == (f"{text}|{tag_id}|{hops}|trace", len(text))
                assert back == (TraceTag(tag_id, hops + 1), TraceTag(f"server-{tag_id}", 0))
        formatter = app.formatters["soap"]
        assert isinstance(formatter, SoapFormatter)
        request = sent[-1]
        body = await request.aread()
        # the later calls were read from the first one's template, their answers written from one
        assert isinstance(formatter.read_call(body, request.headers["content-type"]), TemplateCall)
        assert formatter._shaped is not None and formatter._shaped._shapes

        headers = {name: request.headers[name] for name in ("content-type", "soapaction")}
        unregistered = body.replace(b"TraceTag", b"TraceTog")
        reply = await client.post("/CallModel.soap", content=unregistered, headers=headers)
        assert reply.status_code == 500 and "TraceTog" in reply.text and "Traceback" not in reply.text
        malformed = body.replace(b"<Hops>41</Hops>", b"<Hops>x</Hops>").replace(b"<Hops>-3</Hops>", b"<Hops>x</Hops>")
        assert malformed != body
        assert isinstance(formatter.read_call(malformed, headers["content-type"]), TemplateCall)
        reply = await client.post("/CallModel.soap", content=malformed, headers=headers)
        assert reply.status_code == 500 and "bad call context for TracedLength" in reply.text
        assert "Traceback" not in reply.text

    http(app, scenario)


def test_must_understand_is_the_same_for_calls_read_from_a_template() -> None:
    """A template call's header blocks are all the runtime's (``__CallContext`` here, marked mustUnderstand):
    answered as in full. A block nobody processes, marked mustUnderstand, is refused on every call: such a
    call is never read from a template."""
    app = served()

    async def scenario(client: httpx.AsyncClient) -> None:
        sent: list[httpx.Request] = []

        async def keep(request: httpx.Request) -> None:
            sent.append(request)

        client.event_hooks["request"] = [keep]
        async with AsyncRemotingClient(formatter="soap", http_client=client) as remoting:
            CallContext.set_data("trace", TraceTag("abc", 1))
            try:
                await remoting.get_object(ICallModel, URL).TracedLength("t")
            finally:
                CallContext.free_named_data_slot("trace")
                CallContext.free_named_data_slot("server")
        request = sent[-1]
        body = await request.aread()
        headers = {name: request.headers[name] for name in ("content-type", "soapaction")}
        marked = body.replace(b'<h4:__CallContext SOAP-ENC:root="1"',
                              b'<h4:__CallContext SOAP-ENC:root="1" SOAP-ENV:mustUnderstand="1"')
        assert marked != body
        formatter = app.formatters["soap"]
        assert isinstance(formatter, SoapFormatter)
        replies = [await client.post("/CallModel.soap", content=marked, headers=headers) for _ in range(3)]
        assert isinstance(formatter.read_call(marked, headers["content-type"]), TemplateCall)
        assert [r.status_code for r in replies] == [200, 200, 200] and replies[1].content == replies[2].content
        assert b"t|abc|1|trace" in replies[2].content

        foreign = marked.replace(b"<SOAP-ENV:Header>\n", b'<SOAP-ENV:Header>\n<x:Secret xmlns:x="urn:x" '
                                                         b'SOAP-ENV:mustUnderstand="1">s</x:Secret>\n')
        assert foreign != marked
        for _ in range(3):
            reply = await client.post("/CallModel.soap", content=foreign, headers=headers)
            assert reply.status_code == 500 and "MustUnderstand" in reply.text and "urn:x" in reply.text
        assert not isinstance(formatter.read_call(foreign, headers["content-type"]), TemplateCall)

    http(app, scenario)
