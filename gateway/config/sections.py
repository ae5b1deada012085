"""The sections of the configuration: everything ``RemotingApp`` takes in code, and how it is served.

Each class here is one section (see :mod:`gateway.config.schema`); the order of the classes is the order
they are applied in. A new section is one more decorated class in this module (or in a module imported
from here); ``python -m gateway.config.docs --write`` then regenerates the reference page.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, fields
from typing import cast

from soap import DEFAULT_LIMITS, Limits

from ..model.lease import LIFETIME_DEFAULTS, LifetimeSettings
from ..model.logs import configure_logging
from ..model.objects import WellKnownObjectMode
from ..model.principal import Principal
from ..model.spin_wait import DEFAULT_SPIN_WAIT_US, MAX_SPIN_WAIT_US
from ..server.app import RemotingApp
from ..server.authentication import HttpAuthenticationSink, StaticTokens, StaticUsers
from ..server.authorization import AuthorizationRules
from ..server.faults import CustomErrorsMode
from ..server.marshal import TypeFilterLevel
from ..server.metrics import metrics_uri
from ..server.sinks import RequestLoggingSink, ServerSink
from ..server.wssecurity import UsernameTokenAuthenticator
from ..store.selection import STORE_VARIABLE, store_for
from .kinds import (
    Boolean,
    Choice,
    ClassRef,
    Context,
    Duration,
    Integer,
    ObjectRefs,
    Seconds,
    Secret,
    Text,
    TextList,
    Word,
)
from .options import AppOptions
from .schema import REQUIRED, ConfigError, Section, Settings, Tables, section, setting


@dataclass(frozen=True, kw_only=True)
class WellKnown(Settings):
    """A well-known object, as `app.register_well_known(type, uri, mode)` publishes it."""

    type: type = setting(REQUIRED, ClassRef(), "The class to publish (a MarshalByRefObject subclass).")
    uri: str = setting(REQUIRED, Text(), "Its object URI, ending in .rem or .soap (may contain /).")
    mode: WellKnownObjectMode = setting(
        REQUIRED, Choice(WellKnownObjectMode), "SingleCall (an instance per call) or Singleton (one for all)."
    )


@dataclass(frozen=True, kw_only=True)
class Activated(Settings):
    """A client-activated type, as `app.register_activated(type, name)` allows it."""

    type: type = setting(REQUIRED, ClassRef(), "The class clients may create instances of.")
    name: str | None = setting(
        None, Text(), "The CLR type name clients activate it by (default: the name the class declares)."
    )


class ApplicationName(Text):
    """A path segment: .NET application names prefix object URIs."""

    label = "string (a path segment)"

    def parse(self, value: object, context: Context) -> str:
        name = super().parse(value, context).strip("/")
        if not name or any(c in name for c in '/?#%\\ '):
            raise ValueError(f"must be one path segment (no /, ?, #, %, \\ or spaces), not {value!r}")
        return name


@section("")
@dataclass(frozen=True, kw_only=True)
class AppSettings(Section):
    """The application: what it publishes and how it answers."""

    modules: tuple[str, ...] = setting(
        (), TextList(),
        "Modules imported first: they register by-value types, and CLR type names (`Namespace.Type, "
        "Assembly`) in `type` keys resolve to the classes they declare. `--module` adds to them.",
    )
    formatters: tuple[str, ...] = setting(
        ("soap",), TextList(("soap", "binary"), nonempty=True),
        "The formatters callers may use: soap (Remoting SOAP, document/literal SOAP 1.1 and 1.2), binary (MS-NRBF).",
    )
    custom_errors: CustomErrorsMode = setting(
        CustomErrorsMode.On, Choice(CustomErrorsMode),
        "Who sees details of undeclared exceptions: On (nobody), RemoteOnly (local callers), Off (everyone).",
    )
    type_filter: TypeFilterLevel = setting(
        TypeFilterLevel.Low, Choice(TypeFilterLevel),
        "Low refuses references to foreign objects; Full accepts them (callbacks, remote sponsors).",
    )
    application_name: str | None = setting(
        None, ApplicationName(),
        "Also serve every object under /<name>/ (.NET's `<application name>`: clients may use either path).",
    )
    public_url: str | None = setting(
        None, Text(), "The external base URL put in ObjRefs and WSDL addresses (default: from each request).",
    )
    trust_forwarded: bool = setting(
        False, Boolean(),
        "A trusted reverse proxy sets X-Forwarded-Host, -Proto and -Prefix: honour them in external URLs.",
    )
    body_timeout: float | None = setting(
        30.0, Seconds(), "How long a request body may take to arrive (slower senders get 408).",
    )
    spin_wait_us: int = setting(
        DEFAULT_SPIN_WAIT_US, Integer(0, MAX_SPIN_WAIT_US),
        "Microseconds the event loop polls for the next request after a reply (HTTP or TCP) instead of sleeping: "
        "a client calling in a loop is answered without a wake-up. 0: off (more worker processes than cores).",
    )
    metrics: bool = setting(
        True, Boolean(),
        "Measure every call and serve Prometheus metrics at `metrics_path`, behind the server sinks (an "
        "authentication sink protects them).",
    )
    metrics_path: str = setting(
        "/metrics", Text(), "Where the metrics are served (not `/`, and not ending in .rem or .soap).",
    )
    sinks: tuple[object, ...] = setting(
        (), ObjectRefs(),
        "Server sinks of your own, run inside request logging and authentication, in this order: a class "
        "(created with no arguments) or a sink itself (`async def sink(request, call_next)`).",
    )
    wellknown: tuple[WellKnown, ...] = setting((), Tables(WellKnown), "Well-known objects (`[[wellknown]]`).")
    activated: tuple[Activated, ...] = setting(
        (), Tables(Activated), "Client-activated types (`[[activated]]`)."
    )

    def problems(self) -> list[str]:
        uris = [entry.uri.lstrip("/") for entry in self.wellknown]
        twice = sorted({uri for uri in uris if uris.count(uri) > 1})
        errors = [f"the object URI {uri!r} is given to more than one [[wellknown]] entry" for uri in twice]
        errors += [f"sinks: {sink!r} is not callable (a sink is `async def sink(request, call_next)`)"
                   for sink in self.sinks if not callable(sink)]
        try:
            metrics_uri(self.metrics_path)
        except ValueError as exc:
            errors.append(str(exc))
        return errors

    def app_options(self, options: AppOptions) -> None:
        options.inner_sinks.extend(cast(ServerSink, sink() if isinstance(sink, type) else sink) for sink in self.sinks)
        options.formatters = self.formatters
        options.custom_errors = self.custom_errors
        options.type_filter = self.type_filter
        options.public_url = self.public_url
        options.trust_forwarded = self.trust_forwarded
        options.body_timeout = self.body_timeout
        options.spin_wait_us = self.spin_wait_us
        options.metrics = self.metrics
        options.metrics_path = self.metrics_path

    def configure_app(self, app: RemotingApp) -> None:
        if self.application_name:
            app.mount(f"/{self.application_name}", app.endpoint)
        # A registration mistake (a TypeError or ValueError from the app) is reported with the entry's source.
        errors: list[str] = []
        for entry in self.wellknown:
            try:
                app.register_well_known(entry.type, entry.uri, entry.mode)
            except (TypeError, ValueError) as exc:
                errors.append(f"{entry.source}: {exc}")
        for activated in self.activated:
            try:
                app.register_activated(activated.type, activated.name)
            except (TypeError, ValueError) as exc:
                errors.append(f"{activated.source}: {exc}")
        if errors:
            raise ConfigError(errors)


@section("server")
@dataclass(frozen=True, kw_only=True)
class ServerSettings(Section):
    """How `remoting-gateway serve` runs uvicorn (not used when another ASGI server runs the app)."""

    host: str = setting("127.0.0.1", Text(), "The address to listen on (0.0.0.0: every interface).")
    port: int = setting(8000, Integer(1, 65535), "The TCP port.")
    workers: int = setting(
        1, Integer(1),
        "Worker processes. With the embedded store each has its own objects (Singletons and client-activated "
        "objects are per worker); with a shared [store] they serve one deployment (docs/scale-out.md).",
    )
    forwarded_allow_ips: tuple[str, ...] = setting(
        ("127.0.0.1",), TextList(),
        "Proxies whose X-Forwarded-For/-Proto uvicorn trusts for the client address and scheme (\"*\": any).",
    )


@section("tcp")
@dataclass(frozen=True, kw_only=True)
class TcpSettings(Section):
    """The .NET Remoting TCP channel (`tcp://`, docs/tcp.md): the same objects as over HTTP, for clients
    that use .NET's `TcpChannel`. Off unless `port` is given (`serve --tcp-port`, or .NET's
    `<channel ref="tcp" port="...">`). It runs in one process: not with several workers."""

    port: int | None = setting(
        None, Integer(0, 65535), "The port of the TCP channel (0: any free port; unset: no TCP channel).",
    )
    host: str = setting("127.0.0.1", Text(), "The address it listens on (0.0.0.0: every interface).")
    formatters: tuple[str, ...] = setting(
        ("binary", "soap"), TextList(("binary", "soap"), nonempty=True),
        "The formatters it reads, whatever HTTP enables (a request without a content type is binary).",
    )
    public_url: str | None = setting(
        None, Text(), "`tcp://name:port` put in ObjRefs, when callers reach the channel under another address.",
    )
    idle_timeout: float | None = setting(
        120.0, Seconds(), "A connection with no message for that long is closed (clients reconnect).",
    )
    max_connections: int = setting(1024, Integer(1), "Connections open at once; more are closed at once.")
    threads: bool = setting(
        True, Boolean(),
        "A thread per connection running its calls, as Mono does (plain `def` methods answer about twice as fast "
        "at one connection; a connection calling `async def` methods goes to the event loop); false: every "
        "connection on the event loop, a shorter tail under many busy connections (docs/tcp.md).",
    )

    def problems(self) -> list[str]:
        if self.public_url is not None and not self.public_url.startswith("tcp://"):
            return [f"public_url: must start with tcp://, not {self.public_url!r}"]
        return []

    def app_options(self, options: AppOptions) -> None:
        if self.port is None:
            return
        options.tcp_port = self.port
        options.tcp_address = self.host
        options.tcp_options = {"formatters": self.formatters, "public_url": self.public_url,
                               "idle_timeout": self.idle_timeout, "max_connections": self.max_connections,
                               "threads": self.threads}


@section("limits")
@dataclass(frozen=True, kw_only=True)
class LimitsSettings(Section):
    """Bounds on every message, checked before anything is decoded (`soap.Limits`)."""

    max_bytes: int = setting(DEFAULT_LIMITS.max_bytes, Integer(1), "Largest request body, in bytes.")
    max_depth: int = setting(DEFAULT_LIMITS.max_depth, Integer(1), "Deepest XML nesting.")
    max_elements: int = setting(DEFAULT_LIMITS.max_elements, Integer(1), "Most XML elements in one message.")
    max_array_length: int = setting(DEFAULT_LIMITS.max_array_length, Integer(1), "Longest array.")
    max_ref_depth: int = setting(DEFAULT_LIMITS.max_ref_depth, Integer(1), "Deepest chain of references.")
    max_attribute_length: int = setting(
        DEFAULT_LIMITS.max_attribute_length, Integer(1), "Longest XML attribute value, in characters."
    )
    max_text_length: int = setting(
        DEFAULT_LIMITS.max_text_length, Integer(1), "Longest text value (a string, a number), in characters."
    )
    max_binary_length: int = setting(
        DEFAULT_LIMITS.max_binary_length, Integer(1), "Largest binary value (base64Binary, byte[]), in bytes."
    )
    max_array_items: int = setting(
        DEFAULT_LIMITS.max_array_items, Integer(1), "Most array items in one message, all arrays together."
    )
    max_multirefs: int = setting(
        DEFAULT_LIMITS.max_multirefs, Integer(1), "Most multi-ref values (elements with an id) in one message."
    )
    max_attributes: int = setting(
        DEFAULT_LIMITS.max_attributes, Integer(1), "Most attributes on one XML element (xmlns declarations aside)."
    )

    def app_options(self, options: AppOptions) -> None:
        options.limits = Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})


@section("lifetime")
@dataclass(frozen=True, kw_only=True)
class LifetimeSection(Section):
    """Lease defaults for client-activated objects, marshalled objects and Singletons (.NET's
    `<lifetime>`); a class may still set its own in `InitializeLifetimeService`."""

    lease_time: dt.timedelta = setting(
        LIFETIME_DEFAULTS.lease_time, Duration(), "Initial lease time (0: objects never expire)."
    )
    renew_on_call_time: dt.timedelta = setting(
        LIFETIME_DEFAULTS.renew_on_call_time, Duration(), "Each call renews the lease to at least this."
    )
    sponsorship_timeout: dt.timedelta = setting(
        LIFETIME_DEFAULTS.sponsorship_timeout, Duration(), "How long a sponsor may take to answer."
    )
    lease_manager_poll_time: dt.timedelta = setting(
        LIFETIME_DEFAULTS.lease_manager_poll_time, Duration(positive=True), "How often expired leases are swept."
    )

    def app_options(self, options: AppOptions) -> None:
        options.lifetime = LifetimeSettings(
            self.lease_time, self.renew_on_call_time, self.sponsorship_timeout, self.lease_manager_poll_time
        )


class StoreUrl(Secret):
    """``embedded`` or a Redis URL, which may carry a password: also ``{ env = "VAR" }`` / ``{ file = ... }``."""

    label = 'store URL: "embedded", "redis://host:port/db", { env = "VAR" } or { file = "path" }'

    def parse(self, value: object, context: Context) -> str:
        url = super().parse(value, context).strip()
        store_for(url)  # a ValueError saying what is accepted
        return url

    def render(self, value: object) -> str:
        return f'"{value}"'


@section("store")
@dataclass(frozen=True, kw_only=True)
class StoreSection(Section):
    """What the workers of a deployment share (docs/scale-out.md): with Redis, several worker processes and
    hosts serve one set of objects (Singletons elected, calls forwarded to the worker that owns an object)."""

    url: str = setting(
        "embedded", StoreUrl(),
        "embedded (this process alone, as always) or redis://host:port/db (also rediss://, unix://).",
        env=STORE_VARIABLE,
    )
    prefix: str = setting("gateway", Text(), "Prefix of the Redis keys (deployments sharing one Redis differ).")
    timeout: dt.timedelta = setting(
        dt.timedelta(seconds=2), Duration(positive=True), "How long connecting to the store and each command may take.",
    )
    internal_host: str = setting(
        "127.0.0.1", Text(),
        "Where each worker listens for calls other workers forward (an ephemeral port): 127.0.0.1 for one "
        "host; an address the other hosts reach (or 0.0.0.0) for several.",
    )
    advertise_host: str | None = setting(
        None, Text(),
        "The name other workers connect to (default: internal_host, or this host's name when it is 0.0.0.0).",
    )

    def app_options(self, options: AppOptions) -> None:
        options.store = store_for(self.url, prefix=self.prefix, timeout=self.timeout.total_seconds())

    def configure_app(self, app: RemotingApp) -> None:
        if app.cluster is not None:
            app.cluster.internal_host = self.internal_host
            app.cluster.advertise_host = self.advertise_host


_LEVELS = ("critical", "error", "warning", "info", "debug")


@section("logging")
@dataclass(frozen=True, kw_only=True)
class LoggingSettings(Section):
    """Logging of the `gateway` loggers (and uvicorn's, under `remoting-gateway serve`)."""

    level: str = setting("info", Word(_LEVELS), "The level of the gateway's loggers and of uvicorn's.")
    requests: bool = setting(
        True, Boolean(),
        "Log one access line per request (caller, method, URI, remote method, formatter, status, time, size).",
    )
    format: str = setting(
        "text", Word(("text", "json")),
        "text lines, or json: one JSON object per line with the structured fields (uvicorn's lines too).",
    )

    def app_options(self, options: AppOptions) -> None:
        if self.requests:
            options.sinks.append(RequestLoggingSink())

    def configure_app(self, app: RemotingApp) -> None:
        logger = logging.getLogger("gateway")
        if self.format == "json" or not (logger.handlers or logging.getLogger().handlers):
            configure_logging(self.level, json=self.format == "json")
        else:  # logging is configured already (a handler of the user's): only the level
            logger.setLevel(self.level.upper())


@dataclass(frozen=True, kw_only=True)
class User(Settings):
    """A user for HTTP Basic authentication."""

    name: str = setting(REQUIRED, Text(), "The user name.")
    password: str = setting(REQUIRED, Secret(), "The password.")
    roles: tuple[str, ...] = setting((), TextList(), "The user's roles (for [authorization]).")


@dataclass(frozen=True, kw_only=True)
class Token(Settings):
    """A bearer token."""

    token: str = setting(REQUIRED, Secret(), "The token.")
    name: str = setting(REQUIRED, Text(), "The name of the caller it identifies.")
    roles: tuple[str, ...] = setting((), TextList(), "Its roles.")


@section("authentication")
@dataclass(frozen=True, kw_only=True)
class AuthenticationSettings(Section):
    """HTTP Basic and Bearer authentication (`gateway.HttpAuthenticationSink`), on when users or tokens
    are given. Keep secrets out of the file: `password = { env = "VAR" }` or `{ file = "path" }`."""

    realm: str = setting("remoting-gateway", Text(), "The realm of the 401 challenge.")
    public_metadata: bool = setting(False, Boolean(), "Anonymous callers may read the WSDL and the index.")
    allow_anonymous: bool = setting(
        False, Boolean(), "Requests without credentials pass (the authorization rules then decide)."
    )
    users: tuple[User, ...] = setting((), Tables(User), "Basic users (`[[authentication.users]]`).")
    tokens: tuple[Token, ...] = setting((), Tables(Token), "Bearer tokens (`[[authentication.tokens]]`).")
    username_token: bool = setting(
        False, Boolean(),
        "The users may also prove who they are with a WS-Security UsernameToken in the message "
        "(`gateway.UsernameTokenAuthenticator`; PasswordText and PasswordDigest): what SOAP toolkits send. "
        "A call then needs either HTTP credentials or a token, and the WSDL and index are public (a toolkit "
        "reads the WSDL before it has anything to authenticate with).",
    )
    username_token_allow_text: bool = setting(
        True, Boolean(), "Accept PasswordText tokens (false: only PasswordDigest; use it without TLS)."
    )
    username_token_clock_skew: float | None = setting(
        300.0, Seconds(), "How far a token's wsu:Created may be from the server's clock (and how long nonces "
        "are remembered to refuse replays).",
    )

    def problems(self) -> list[str]:
        names = [user.name for user in self.users]
        errors = [f"the user {n!r} is given twice" for n in sorted({n for n in names if names.count(n) > 1})]
        if '"' in self.realm or "\\" in self.realm:
            errors.append("realm: may not contain quotes or backslashes")
        changed = self.public_metadata or self.allow_anonymous or self.realm != "remoting-gateway"
        if changed and not self.users and not self.tokens:
            errors.append("authentication needs at least one [[authentication.users]] or [[authentication.tokens]]")
        if self.username_token and not self.users:
            errors.append("username_token: needs [[authentication.users]] (the names and passwords tokens carry)")
        if self.username_token_clock_skew is None:
            errors.append("username_token_clock_skew: must be longer than zero")
        return errors

    def app_options(self, options: AppOptions) -> None:
        if not self.users and not self.tokens:
            return
        users = StaticUsers({u.name: (u.password, u.roles) for u in self.users}) if self.users else None
        tokens = StaticTokens({t.token: Principal.of(t.name, t.roles) for t in self.tokens}) if self.tokens else None
        options.sinks.append(HttpAuthenticationSink(
            basic=users, bearer=tokens, realm=self.realm,
            public_metadata=self.public_metadata or self.username_token,
            allow_anonymous=self.allow_anonymous or self.username_token,  # the token is checked per call
        ))
        if self.username_token and users is not None:
            options.inspectors.append(UsernameTokenAuthenticator(
                users.password_of, required=not self.allow_anonymous, allow_text=self.username_token_allow_text,
                max_clock_skew=self.username_token_clock_skew or 300.0,
            ))


@dataclass(frozen=True, kw_only=True)
class Rule(Settings):
    """Who may call an object URI (or one method of it)."""

    uri: str = setting(REQUIRED, Text(), "The object URI.")
    method: str | None = setting(None, Text(), "One method (default: every method of the URI).")
    roles: tuple[str, ...] = setting((), TextList(), "Roles allowed (any of them; none: any authenticated caller).")
    anonymous: bool = setting(False, Boolean(), "Anyone may call, authenticated or not.")

    def problems(self) -> list[str]:
        return ["anonymous = true and roles exclude each other"] if self.anonymous and self.roles else []


@section("authorization")
@dataclass(frozen=True, kw_only=True)
class AuthorizationSettings(Section):
    """Roles required per object URI and method (`gateway.AuthorizationRules`); the most specific rule wins."""

    default_roles: tuple[str, ...] | None = setting(
        None, TextList(),
        "Where no rule matches: absent, every call authentication let through is allowed; [] requires an "
        "authenticated caller; roles require one of them.",
    )
    rules: tuple[Rule, ...] = setting((), Tables(Rule), "Rules (`[[authorization.rules]]`).")

    def app_options(self, options: AppOptions) -> None:
        if self.default_roles is None and not self.rules:
            return
        rules = AuthorizationRules(default_roles=self.default_roles)
        for rule in self.rules:
            if rule.anonymous:
                rules.allow_anonymous(rule.uri, rule.method)
            else:
                rules.require(rule.uri, *rule.roles, method=rule.method)
        options.authorization = rules

