"""The application ``bench_scale.py`` serves: ``HelloServer`` SingleCall at ``/SayHello.soap`` (as
``examples.hello``) and client-activated (the target of a forwarded call), the store from ``GATEWAY_STORE``."""

from __future__ import annotations

from examples.hello import HelloServer
from gateway import RemotingApp, WellKnownObjectMode

app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_activated(HelloServer)
