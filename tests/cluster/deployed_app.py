"""The application the scale-out tests deploy on every host: every example (``examples.all``), plus what
the Python checks need: type filter Full (sponsors living in the client) and the client-activated counters
of ``tests/cluster/objects.py`` (1 s and 60 s leases).

    GATEWAY_STORE=redis://127.0.0.1:6379/0 uvicorn tests.cluster.deployed_app:app --workers 2
"""

from __future__ import annotations

from examples import interop, remoting_samples
from gateway import RemotingApp, TypeFilterLevel

from .objects import Durable, Ephemeral, Sponsored

app = interop.register(remoting_samples.register(
    RemotingApp(lifetime=remoting_samples.LIFETIME, type_filter=TypeFilterLevel.Full)
))
app.register_activated(Ephemeral)
app.register_activated(Sponsored)
app.register_activated(Durable)
