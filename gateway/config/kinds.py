"""What a configuration value may be: each key has a kind that reads and checks it, and names it in the
reference.

A value arrives as TOML gave it (numbers, booleans, arrays), or as text: from an environment variable or an
attribute of a .NET configuration file. Every kind takes both, so the three sources share one set of rules
and one set of error messages. A kind raises ``ValueError`` saying what the value must be; the loader adds
where the value came from (file and key, element and attribute, or variable).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from .resolve import TypeResolver, import_object

T = TypeVar("T")


@dataclass
class Context:
    """What reading a value may need beyond the value: where relative paths start, the environment
    (secrets), and the modules type names resolve in."""

    base_dir: Path = field(default_factory=Path.cwd)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    resolver: TypeResolver = field(default_factory=TypeResolver)


def shown(value: object) -> str:
    """A value as the user wrote it, for error messages."""
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


class Kind(Generic[T]):
    """Reads one kind of value. ``label`` names it in the reference (``integer ≥ 1``, ``duration``)."""

    label = "value"

    def parse(self, value: object, context: Context) -> T:
        raise NotImplementedError

    def render(self, value: Any) -> str:
        """A default value as TOML would spell it, for the reference."""
        if value is None:
            return "unset"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return f'"{value}"'
        if isinstance(value, enum.Enum):
            return f'"{value.name}"'
        if isinstance(value, tuple | list):
            return "[" + ", ".join(self.render(v) for v in value) + "]"
        return str(value)


class Text(Kind[str]):
    label = "string"

    def parse(self, value: object, context: Context) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be a non-empty string, not {shown(value)}")
        return value.strip()


@dataclass(frozen=True)
class Integer(Kind[int]):
    minimum: int | None = None
    maximum: int | None = None

    @property
    def label(self) -> str:  # type: ignore[override]
        if self.minimum is not None and self.maximum is not None:
            return f"integer {self.minimum}-{self.maximum}"
        return "integer" if self.minimum is None else f"integer ≥ {self.minimum}"

    def parse(self, value: object, context: Context) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            number = int(value)
        if number is None:
            raise ValueError(f"must be an integer, not {shown(value)}")
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            raise ValueError(f"must be an {self.label}, not {number}")
        return number


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Boolean(Kind[bool]):
    label = "boolean"

    def parse(self, value: object, context: Context) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"must be true or false, not {shown(value)}")


#: .NET's time syntax in configuration files: a number and a unit (D, H, M, S, MS; none means seconds).
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)?\s*", re.IGNORECASE)
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: object) -> dt.timedelta:
    """``"5M"``, ``"2S"``, ``"100MS"``, ``"1H"``, ``"1D"``, ``"30"`` (seconds), or a number of seconds."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value)):
        seconds = float(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"must be a duration: seconds, or a number with a unit as in .NET configuration files "
            f'("5M", "2S", "100MS", "1H", "1D"), not {shown(value)}'
        )
    return dt.timedelta(seconds=seconds)


def render_duration(value: dt.timedelta) -> str:
    seconds = value.total_seconds()
    for unit, size in (("D", 86400), ("H", 3600), ("M", 60), ("S", 1)):
        if seconds >= size and seconds % size == 0:
            return f'"{int(seconds // size)}{unit}"'
    return f'"{round(seconds * 1000)}MS"'


@dataclass(frozen=True)
class Duration(Kind[dt.timedelta]):
    """A span of time; ``positive`` refuses zero."""

    positive: bool = False

    @property
    def label(self) -> str:  # type: ignore[override]
        return "duration > 0" if self.positive else "duration"

    def parse(self, value: object, context: Context) -> dt.timedelta:
        span = parse_duration(value)
        if self.positive and not span:
            raise ValueError(f"must be longer than zero, not {shown(value)}")
        return span

    def render(self, value: Any) -> str:
        return render_duration(value) if isinstance(value, dt.timedelta) else super().render(value)


class Seconds(Kind[float | None]):
    """A timeout in seconds (a duration), where zero means none."""

    label = "duration (0: none)"

    def parse(self, value: object, context: Context) -> float | None:
        return parse_duration(value).total_seconds() or None

    def render(self, value: Any) -> str:
        return "0" if value is None else render_duration(dt.timedelta(seconds=value))


E = TypeVar("E", bound=enum.Enum)


@dataclass(frozen=True)
class Choice(Kind[E]):
    """One member of an enumeration, by name, in any letter case (``"singlecall"`` is SingleCall)."""

    enum_type: type[E]

    @property
    def label(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(m.name for m in self.enum_type)

    def parse(self, value: object, context: Context) -> E:
        if isinstance(value, str):
            for member in self.enum_type:
                if member.name.lower() == value.strip().lower():
                    return member
        raise ValueError(f"must be {self.label}, not {shown(value)}")


@dataclass(frozen=True)
class Word(Kind[str]):
    """One of a fixed set of words, in any letter case; read as the word in lower case."""

    words: tuple[str, ...]

    @property
    def label(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.words)

    def parse(self, value: object, context: Context) -> str:
        if isinstance(value, str) and value.strip().lower() in self.words:
            return value.strip().lower()
        raise ValueError(f"must be {self.label}, not {shown(value)}")


@dataclass(frozen=True)
class TextList(Kind[tuple[str, ...]]):
    """A list of strings: a TOML array, or text separated by commas (environment variables)."""

    words: tuple[str, ...] | None = None
    nonempty: bool = False

    @property
    def label(self) -> str:  # type: ignore[override]
        return "list of strings" if self.words is None else "list of " + ", ".join(self.words)

    def parse(self, value: object, context: Context) -> tuple[str, ...]:
        items: Sequence[object]
        if isinstance(value, str):
            items = [part for part in value.split(",") if part.strip()]
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise ValueError(f"must be a list of strings, not {shown(value)}")
        result: list[str] = []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise ValueError(f"must be a list of non-empty strings; {shown(item)} is not one")
            word = item.strip()
            if self.words is not None:
                word = word.lower()
                if word not in self.words:
                    raise ValueError(f"may contain only {', '.join(self.words)}, not {shown(item)}")
            result.append(word)
        if self.nonempty and not result:
            raise ValueError("must not be empty")
        return tuple(result)


class Secret(Kind[str]):
    """A secret, inline or (better) kept out of the file: ``{ env = "NAME" }`` reads an environment
    variable, ``{ file = "path" }`` a file (relative to the configuration file; one trailing newline is
    dropped)."""

    label = 'secret: string, { env = "VAR" } or { file = "path" }'

    def parse(self, value: object, context: Context) -> str:
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and len(value) == 1:
            (source, name), = value.items()
            if source == "env" and isinstance(name, str) and name:
                secret = context.environ.get(name)
                if not secret:
                    raise ValueError(f"the environment variable {name} is not set")
                return secret
            if source == "file" and isinstance(name, str) and name:
                path = context.base_dir / name
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    raise ValueError(f"cannot read the secret file {path}: {reason}") from None
                text = text[:-1] if text.endswith("\n") else text
                if not text:
                    raise ValueError(f"the secret file {path} is empty")
                return text
        raise ValueError(f'must be a string, {{ env = "VARIABLE" }} or {{ file = "path" }}, not {shown(value)}')

    def render(self, value: Any) -> str:
        return "(required)"


class ClassRef(Kind[type]):
    """A class: ``"module:Class"``, or a CLR type name (``"Namespace.Type, Assembly"``) declared by a
    class of the configured modules."""

    label = 'class: "module:Class" or "Namespace.Type, Assembly"'

    def parse(self, value: object, context: Context) -> type:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must name a class, not {shown(value)}")
        return context.resolver.resolve(value.strip())


class ObjectRefs(Kind[tuple[object, ...]]):
    """Python objects named ``"module:attribute"`` (a list; comma-separated in an environment variable)."""

    label = 'list of "module:attribute"'

    def parse(self, value: object, context: Context) -> tuple[object, ...]:
        return tuple(import_object(spec) for spec in TextList().parse(value, context))
