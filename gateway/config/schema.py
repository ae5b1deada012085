"""The configuration schema: sections of typed keys, declared once and read from every source.

A section is one frozen dataclass, registered with :func:`section`; each key is a field declared with
:func:`setting` (its kind, default and documentation). From that one declaration come the TOML table
``[name]``, the environment variables ``GATEWAY_NAME_KEY``, validation with messages that say where a
value came from, and the reference in ``docs/configuration.md``. What a section does to the application
is its own business, in two hooks: :meth:`Section.app_options` (keyword arguments of ``RemotingApp``,
before it is built) and :meth:`Section.configure_app` (the built application: registrations, sinks,
routes)::

    @section("metrics")
    @dataclass(frozen=True, kw_only=True)
    class MetricsSettings(Section):
        \"\"\"Prometheus metrics.\"\"\"

        path: str = setting("/metrics", Text(), "Where the metrics are served.")

        def configure_app(self, app: RemotingApp) -> None:
            app.mount(self.path, metrics_app(app))

Values arrive as :class:`Raw` (a value and where it came from: file and key, .NET element and attribute,
environment variable, command line); :func:`validate` turns them into section instances or a
:class:`ConfigError` listing every problem.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, TypeVar

from ..server.app import RemotingApp
from .kinds import Context, Kind
from .options import AppOptions

_META = "gateway.config.setting"

#: The default of a key that must be given.
REQUIRED: Any = MISSING

#: Names of ``GATEWAY_*`` variables that are not configuration keys (``serve --config`` hands them to workers).
RESERVED_SECTIONS = ("config",)


class ConfigError(ValueError):
    """The configuration is not valid; ``errors`` holds one message per problem, each saying where."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Raw:
    """One value as a source gave it, and where: ``gateway.toml: [limits] max_bytes``,
    ``App.config line 7: <lifetime leaseTime>``, ``environment variable GATEWAY_LIMITS_MAX_BYTES``."""

    value: object
    where: str
    origin: str = "file"  # file, environment, command line


@dataclass
class RawTable:
    """The keys of one section (or one entry of an array of tables) as a source gave them."""

    where: str
    values: dict[str, Raw] = field(default_factory=dict)


RawConfig = dict[str, RawTable]


@dataclass(frozen=True)
class Setting:
    kind: Kind[Any]
    doc: str
    env: bool
    required: bool
    #: the environment variable, when it is not the usual GATEWAY_<SECTION>_<KEY>
    variable: str | None = None


def setting(default: Any, kind: Kind[Any], doc: str, *, env: bool | str = True) -> Any:
    """Declare a key: ``name: int = setting(8000, Integer(1, 65535), "The port.")``. ``REQUIRED`` as the
    default makes the key mandatory; ``env=False`` keeps it out of the environment variables, a string names
    its variable (``GATEWAY_STORE`` for ``[store] url``, the name the runtime has always read)."""
    variable = env if isinstance(env, str) else None
    meta = {_META: Setting(kind, doc, bool(env) and not isinstance(kind, Tables), default is REQUIRED, variable)}
    if default is REQUIRED:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """A table of keys: a section, or one entry of an array of tables. ``source`` says where it was read."""

    source: str = field(default="", compare=False, repr=False)

    def problems(self) -> list[str]:
        """Rules across keys (each message is prefixed with :attr:`source`)."""
        return []


@dataclass(frozen=True, kw_only=True)
class Section(Settings):
    """A section of the configuration; override the hooks to act on the application."""

    def app_options(self, options: AppOptions) -> None:
        """Set the ``RemotingApp`` keyword arguments this section owns (before the app is built)."""

    def configure_app(self, app: RemotingApp) -> None:
        """Act on the built application (register objects, add sinks or routes)."""


def settings_of(cls: type) -> list[tuple[Field[Any], Setting]]:
    """The keys of a settings class, in declaration order."""
    return [(f, f.metadata[_META]) for f in fields(cls) if _META in f.metadata]


def default_of(f: Field[Any]) -> Any:
    return f.default if f.default is not MISSING else None


@dataclass(frozen=True)
class SectionSpec:
    """A registered section: its TOML name (``""`` for the top-level keys) and its class."""

    name: str
    cls: type[Section]

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.cls) or ""

    def heading(self) -> str:
        return f"[{self.name}]" if self.name else "top-level keys"

    def env_name(self, key: str) -> str:
        """The environment variable of ``key``: its own name if it declares one, else GATEWAY_<SECTION>_<KEY>."""
        for f, meta in settings_of(self.cls):
            if f.name == key and meta.variable:
                return meta.variable
        return env_name(self.name, key)


#: Every section, in the order they are applied (sinks added earlier run outermost).
SECTIONS: list[SectionSpec] = []

S = TypeVar("S", bound=Section)


def section(name: str) -> Callable[[type[S]], type[S]]:
    """Register a section class under ``[name]`` (``""``: the top-level keys of the file)."""

    def register(cls: type[S]) -> type[S]:
        if name in RESERVED_SECTIONS or any(spec.name == name for spec in SECTIONS):
            raise ValueError(f"a configuration section named {name!r} is reserved or already declared")
        SECTIONS.append(SectionSpec(name, cls))
        return cls

    return register


def env_name(section_name: str, key: str) -> str:
    """``GATEWAY_LIMITS_MAX_BYTES`` for ``[limits] max_bytes``; ``GATEWAY_FORMATTERS`` for a top-level key."""
    return "GATEWAY_" + (f"{section_name}_{key}" if section_name else key).upper()


def spec_for(name: str) -> SectionSpec | None:
    return next((spec for spec in SECTIONS if spec.name == name), None)


def suggest(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {near[0]}?)" if near else ""


T = TypeVar("T", bound=Settings)


@dataclass(frozen=True)
class Tables(Kind[tuple[Any, ...]]):
    """An array of tables (``[[wellknown]]``): each entry a :class:`Settings` class of its own."""

    entry: type[Settings]

    @property
    def label(self) -> str:  # type: ignore[override]
        return "array of tables"

    def parse(self, value: object, context: Context) -> tuple[Any, ...]:
        if not isinstance(value, list) or not all(isinstance(v, RawTable) for v in value):
            raise ValueError("must be an array of tables ([[name]] blocks)")
        entries: list[Any] = []
        errors: list[str] = []
        for table in value:
            try:
                entries.append(read_table(self.entry, table, context))
            except ConfigError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ConfigError(errors)
        return tuple(entries)

    def render(self, value: Any) -> str:
        return "none"


def read_table(cls: type[T], table: RawTable, context: Context) -> T:
    """One section or entry from its raw keys; every problem in it reported at once."""
    declared = settings_of(cls)
    names = [f.name for f, _ in declared]
    errors = [
        f"{raw.where}: unknown key{suggest(key, names)}; the keys here are {', '.join(names)}"
        for key, raw in table.values.items() if key not in names
    ]
    values: dict[str, Any] = {}
    for f, meta in declared:
        raw = table.values.get(f.name)
        if raw is None:
            if meta.required:
                errors.append(f"{table.where}: missing key {f.name!r}")
            continue
        try:
            values[f.name] = meta.kind.parse(raw.value, context)
        except ConfigError as exc:
            errors.extend(exc.errors)
        except ValueError as exc:
            errors.append(f"{raw.where}: {exc}")
    if errors:
        raise ConfigError(errors)
    instance = cls(source=table.where, **values)
    problems = [f"{table.where}: {problem}" for problem in instance.problems()]
    if problems:
        raise ConfigError(problems)
    return instance


def validate(raw: RawConfig, context: Context) -> dict[str, Section]:
    """Every registered section from ``raw`` (absent ones with their defaults), or a :class:`ConfigError`."""
    known = [spec.name for spec in SECTIONS if spec.name]
    errors = [
        f"{table.where}: unknown section{suggest(name, known)}; the sections are "
        + ", ".join(f"[{n}]" for n in known)
        for name, table in raw.items() if spec_for(name) is None
    ]
    result: dict[str, Section] = {}
    for spec in SECTIONS:
        table = raw.get(spec.name) or RawTable(spec.heading())
        try:
            result[spec.name] = read_table(spec.cls, table, context)
        except ConfigError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ConfigError(errors)
    return result
