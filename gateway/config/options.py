"""The keyword arguments of :class:`gateway.RemotingApp`, gathered while configuration sections are applied.

Each section writes the options it owns (``[limits]`` the limits, ``[authentication]`` a sink ...); the
builder then constructs the application once, with all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soap import DEFAULT_LIMITS, Limits

from ..model.lease import LifetimeSettings
from ..model.spin_wait import DEFAULT_SPIN_WAIT_US
from ..server.app import RemotingApp
from ..server.authorization import AuthorizationRules
from ..server.faults import CustomErrorsMode
from ..server.inspectors import CallInspector
from ..server.marshal import TypeFilterLevel
from ..server.sinks import ServerSink
from ..store.embedded import EmbeddedStore
from ..store.interface import ObjectStore


@dataclass
class AppOptions:
    custom_errors: CustomErrorsMode = CustomErrorsMode.On
    limits: Limits = DEFAULT_LIMITS
    formatters: tuple[str, ...] = ("soap",)
    lifetime: LifetimeSettings | None = None
    type_filter: TypeFilterLevel = TypeFilterLevel.Low
    public_url: str | None = None
    trust_forwarded: bool | None = None
    authorization: AuthorizationRules | None = None
    body_timeout: float | None = 30.0
    spin_wait_us: int = DEFAULT_SPIN_WAIT_US
    metrics: bool | None = None
    metrics_path: str = "/metrics"
    tcp_port: int | None = None
    tcp_address: str | None = None
    tcp_options: dict[str, Any] = field(default_factory=dict)
    store: ObjectStore = field(default_factory=EmbeddedStore)
    #: server sinks, outermost first (request logging, authentication)
    sinks: list[ServerSink] = field(default_factory=list)
    #: the user's own sinks, run inside those (after authentication)
    inner_sinks: list[ServerSink] = field(default_factory=list)
    #: call inspectors (WS-Security), after the sinks, once the call is read
    inspectors: list[CallInspector] = field(default_factory=list)

    def build(self) -> RemotingApp:
        return RemotingApp(
            custom_errors=self.custom_errors, limits=self.limits, formatters=self.formatters,
            lifetime=self.lifetime, type_filter=self.type_filter, public_url=self.public_url,
            trust_forwarded=self.trust_forwarded, authorization=self.authorization,
            body_timeout=self.body_timeout, sinks=[*self.sinks, *self.inner_sinks], metrics=self.metrics,
            metrics_path=self.metrics_path, tcp_port=self.tcp_port, tcp_address=self.tcp_address,
            tcp_options=self.tcp_options, store=self.store, inspectors=self.inspectors,
            spin_wait_us=self.spin_wait_us,
        )
