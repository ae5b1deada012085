"""The application the hostile corpus is served from: every example service, with the binary formatter on.

The defaults are kept on purpose (customErrors ``On``, type filter ``Low``, default limits): the corpus
checks what a deployment that changed nothing gets. ``SingleCallService.rem`` answers ``GetProcessId``,
which is how the test finds the server process whose memory it watches.
"""

from __future__ import annotations

from examples import interop, remoting_samples
from gateway import RemotingApp

app = interop.register(
    remoting_samples.register(RemotingApp(lifetime=remoting_samples.LIFETIME, formatters=("soap", "binary")))
)

__all__ = ["app"]
