"""A small service for the metrics and log tests: one method per way a call can end, and the serving pid.

    uvicorn tests.support.probe:app

publishes :class:`Probe` (SingleCall) at ``/Probe.soap`` and lets clients activate :class:`ProbeCounter`.
"""

from __future__ import annotations

import os
from typing import Any

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import clr_type, serializable

ASSEMBLY = "MetricsProbe"


@serializable("MetricsProbe.ProbeRefused", ASSEMBLY)
class ProbeRefused(Exception):
    """A declared exception: callers get it with its message."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)

    @property
    def Message(self) -> str:
        return str(self.args[0]) if self.args else ""


@clr_type("MetricsProbe.IProbe", ASSEMBLY)
class IProbe:
    def Hello(self, name: str) -> str:
        raise NotImplementedError

    def Boom(self, what: str) -> str:
        """Raises ValueError: an undeclared failure, hidden from callers behind an error id."""
        raise NotImplementedError

    def Refuse(self) -> str:
        """Raises :class:`ProbeRefused`, which the service declares."""
        raise NotImplementedError

    def Pid(self) -> int:
        """The process id of the worker that served the call."""
        raise NotImplementedError


@clr_type("MetricsProbe.Probe", ASSEMBLY)
class Probe(MarshalByRefObject, IProbe):
    def Hello(self, name: str) -> str:
        return "Hi there " + name

    def Boom(self, what: str) -> str:
        raise ValueError(f"boom: {what}")

    def Refuse(self) -> str:
        raise ProbeRefused("not today")

    def Pid(self) -> int:
        return os.getpid()


@clr_type("MetricsProbe.ProbeCounter", ASSEMBLY)
class ProbeCounter(MarshalByRefObject):
    """Client-activated: one instance per activation, at its own generated URI."""

    def __init__(self) -> None:
        self.count = 0

    def Increment(self) -> int:
        self.count += 1
        return self.count


def make_app(**options: Any) -> RemotingApp:
    app = RemotingApp(**options)
    app.register_well_known(Probe, "Probe.soap", WellKnownObjectMode.SingleCall)
    app.register_activated(ProbeCounter)
    return app


app = make_app()
