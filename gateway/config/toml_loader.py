"""A TOML configuration file, read into raw values that remember their file and key.

Top-level keys belong to the application (``formatters = ["soap", "binary"]``), tables are sections
(``[limits]``), arrays of tables are lists of entries (``[[wellknown]]``, ``[[authentication.users]]``).
Nothing is checked here beyond the TOML syntax: :mod:`gateway.config.schema` validates.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .schema import ConfigError, Raw, RawConfig, RawTable, spec_for


def load_toml(path: Path, label: str) -> RawConfig:
    """``path`` as raw sections; ``label`` is how messages name the file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError([f"{label}: cannot read the file: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{label}: not valid TOML: {exc}"]) from None
    except UnicodeDecodeError as exc:  # (TOML is UTF-8: tomllib decodes the whole file first)
        raise ConfigError([f"{label}: not valid TOML: not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
                           f"{exc.start})"]) from None
    return from_document(document, label)


def from_document(document: dict[str, Any], label: str) -> RawConfig:
    """Split a parsed TOML document into sections: tables that name no top-level key are sections."""
    top = spec_for("")
    top_keys = set(top.cls.__dataclass_fields__) if top is not None else set()
    raw: RawConfig = {"": RawTable(label)}
    for key, value in document.items():
        if isinstance(value, dict) and key not in top_keys:
            raw[key] = _table(value, label, f"{label}: [{key}]", key)
        else:
            raw[""].values[key] = _value(value, label, f"{label}: {key}", key)
    return raw


def _table(table: dict[str, Any], label: str, where: str, path: str) -> RawTable:
    return RawTable(where, {
        key: _value(value, label, f"{where} {key}", f"{path}.{key}") for key, value in table.items()
    })


def _value(value: Any, label: str, where: str, path: str) -> Raw:
    """Arrays of tables become lists of :class:`RawTable` (``[[path]] #n``); anything else stays as TOML gave it."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        entries = [_table(item, label, f"{label}: [[{path}]] #{n}", path) for n, item in enumerate(value, 1)]
        return Raw(entries, where)
    return Raw(value, where)
