"""Loading a configuration: the file (TOML or .NET), then ``GATEWAY_*`` environment variables, then the
command line, validated together.

Precedence, highest first: **command-line options** (``serve --port``) > **environment variables**
(``GATEWAY_SERVER_PORT``) > **the file** > the defaults. It applies to applications built from a
configuration (``remoting-gateway serve --config``, :func:`gateway.config.build_app`). An application built
in code takes its keyword arguments as written, except ``GATEWAY_FORMATTERS`` (which overrides them),
``GATEWAY_TRUST_FORWARDED`` and ``GATEWAY_METRICS`` (used when ``trust_forwarded`` / ``metrics`` are not
given), and ``GATEWAY_LOGGING_LEVEL`` / ``GATEWAY_LOGGING_FORMAT`` (applied when the app is created).
An empty variable counts as unset; a ``GATEWAY_*`` variable that names no key is reported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .dotnet_loader import load_dotnet
from .kinds import Context
from .resolve import ResolveError, TypeResolver, import_module
from .schema import (
    RESERVED_SECTIONS,
    SECTIONS,
    ConfigError,
    Raw,
    RawConfig,
    RawTable,
    Section,
    settings_of,
    suggest,
    validate,
)
from .sections import AppSettings  # importing the declarations registers every section
from .toml_loader import load_toml

#: The file ``create_app`` reads, and the modules it adds (what ``serve --config`` hands its workers).
CONFIG_FILE_VARIABLE = "GATEWAY_CONFIG_FILE"
CONFIG_MODULES_VARIABLE = "GATEWAY_CONFIG_MODULES"

S = TypeVar("S", bound=Section)


@dataclass
class GatewayConfig:
    """A validated configuration: one instance per section, where it came from, and the notes on what it
    asks for that is not honoured (or variables that name no key)."""

    sections: dict[str, Section]
    source: str | None = None
    format: str = "none"  # toml, dotnet, none
    notes: list[str] = field(default_factory=list)
    #: the sections a source actually set (the rest are defaults)
    given: set[str] = field(default_factory=set)

    def get(self, cls: type[S]) -> S:
        for value in self.sections.values():
            if isinstance(value, cls):
                return value
        raise KeyError(f"no configuration section of type {cls.__name__}")


def detect_format(path: Path) -> str:
    """``toml`` or ``dotnet``: by extension, else by the first character (``<``: XML)."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".config", ".xml"):
        return "dotnet"
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return "toml"
    return "dotnet" if head.startswith(b"<") else "toml"


def load_config(
    path: str | Path | None = None,
    *,
    modules: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[tuple[str, str], Raw] | None = None,
) -> GatewayConfig:
    """Read, merge and validate a configuration; raises :class:`ConfigError` listing every problem.

    ``path`` is a TOML file or a .NET configuration file (None: defaults and the environment only);
    ``modules`` are imported and searched for CLR type names (``--module``); ``overrides`` maps
    ``(section, key)`` (section ``""`` for a top-level key) to values from the command line.
    """
    env = dict(os.environ if environ is None else environ)
    notes: list[str] = []
    source: str | None = None
    fmt = "none"
    raw: RawConfig = {"": RawTable("defaults")}
    base_dir = Path.cwd()
    if path is not None:
        file = Path(path)
        source = str(path)
        base_dir = file.resolve().parent
        fmt = detect_format(file)
        if fmt == "dotnet":
            dotnet = load_dotnet(file, source)
            raw, notes = dotnet.raw, list(dotnet.notes)
        else:
            raw = load_toml(file, source)
    given = {name for name, table in raw.items() if table.values}
    notes.extend(apply_environment(raw, env))
    for (section_name, key), value in (overrides or {}).items():
        raw.setdefault(section_name, RawTable(value.where)).values[key] = value
    context = Context(base_dir=base_dir, environ=env, resolver=_resolver(raw, modules))
    validated = validate(raw, context)
    return GatewayConfig(validated, source, fmt, notes, given)


def apply_environment(raw: RawConfig, environ: Mapping[str, str]) -> list[str]:
    """Lay ``GATEWAY_*`` variables over ``raw``; returns notes on variables that name no key."""
    known: set[str] = set()
    for spec in SECTIONS:
        for f, meta in settings_of(spec.cls):
            if not meta.env:
                continue
            name = spec.env_name(f.name)
            known.add(name)
            value = environ.get(name, "")
            if value.strip():
                table = raw.setdefault(spec.name, RawTable(spec.heading()))
                table.values[f.name] = Raw(value, f"environment variable {name}", "environment")
    reserved = {f"GATEWAY_{name.upper()}_" for name in RESERVED_SECTIONS}
    strays = sorted(
        name for name in environ
        if name.startswith("GATEWAY_") and name not in known and not name.startswith(tuple(reserved))
    )
    return [f"environment variable {name}: names no configuration key{suggest(name, sorted(known))}"
            for name in strays]


def _resolver(raw: RawConfig, extra: Sequence[str]) -> TypeResolver:
    """Import the configured modules (the ``modules`` key, then ``--module``) for CLR type names."""
    errors: list[str] = []
    names: list[tuple[str, str]] = []
    given = raw.get("", RawTable("")).values.get("modules")
    if given is not None:
        kind = next(meta.kind for f, meta in settings_of(AppSettings) if f.name == "modules")
        try:
            names += [(name, given.where) for name in kind.parse(given.value, Context())]
        except ValueError as exc:
            errors.append(f"{given.where}: {exc}")
    names += [(name, "command line --module") for name in extra]
    loaded = []
    for name, where in dict(names).items():
        try:
            loaded.append(import_module(name))
        except ResolveError as exc:
            errors.append(f"{where}: cannot import module {name!r}: {exc}")
    if errors:
        raise ConfigError(errors)
    return TypeResolver(loaded)


def config_from_environment(environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """The configuration ``serve --config`` hands its workers: ``GATEWAY_CONFIG_FILE`` and
    ``GATEWAY_CONFIG_MODULES`` (comma-separated), then the other variables as usual."""
    env = os.environ if environ is None else environ
    path = env.get(CONFIG_FILE_VARIABLE, "").strip()
    if not path:
        raise ConfigError([f"environment variable {CONFIG_FILE_VARIABLE}: not set (the configuration file to read)"])
    modules = [m.strip() for m in env.get(CONFIG_MODULES_VARIABLE, "").split(",") if m.strip()]
    return load_config(path, modules=modules, environ=env)

