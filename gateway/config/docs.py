"""The reference part of ``docs/configuration.md``, generated from the schema so it cannot drift.

    python -m gateway.config.docs            # print the reference
    python -m gateway.config.docs --write    # rewrite it in docs/configuration.md (between the markers)
    python -m gateway.config.docs --check    # exit 1 when docs/configuration.md is out of date

Every section, key, kind, default and environment variable comes from the declarations in
:mod:`gateway.config.sections`; the .NET mapping from the tables :mod:`gateway.config.dotnet_loader` reads
files with. ``tests/config/test_docs.py`` regenerates it and compares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import dotnet_loader as dotnet
from .schema import SECTIONS, SectionSpec, Tables, default_of, settings_of

BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m gateway.config.docs --write; do not edit by hand -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _key_table(cls: type, spec: SectionSpec | None) -> list[str]:
    env_column = spec is not None
    header = "| key | kind | default |" + (" environment variable |" if env_column else "") + " meaning |"
    lines = [header, "|---" * (5 if env_column else 4) + "|"]
    for f, meta in settings_of(cls):
        default = "required" if meta.required else f"`{meta.kind.render(default_of(f))}`"
        kind = "array of tables (below)" if isinstance(meta.kind, Tables) else meta.kind.label
        row = f"| `{f.name}` | {_cell(kind)} | {_cell(default)} |"
        if env_column and spec is not None:
            row += f" `{spec.env_name(f.name)}` |" if meta.env else " |"
        lines.append(row + f" {_cell(meta.doc)} |")
    return lines


def _tables(cls: type, path: str) -> list[str]:
    lines: list[str] = []
    for f, meta in settings_of(cls):
        if isinstance(meta.kind, Tables):
            entry = meta.kind.entry
            name = f"{path}.{f.name}" if path else f.name
            lines += ["", f"#### `[[{name}]]`", "", (entry.__doc__ or "").strip(), "", *_key_table(entry, None)]
    return lines


def _dotnet() -> list[str]:
    rows: list[tuple[str, str]] = [("`<application name>`", "`application_name`")]
    rows += [(f"`<lifetime {a}>`", f"`[lifetime] {k}`") for a, k in dotnet.LIFETIME_ATTRIBUTES.items()]
    rows += [(f"`<wellknown {a}>`", f"`[[wellknown]] {k}`") for a, k in dotnet.WELLKNOWN_ATTRIBUTES.items()]
    rows += [("`<activated type>`", "`[[activated]] type`, and `name` (the CLR name as the file writes it)")]
    for section in ("server", "tcp"):
        refs = ", ".join(f'`ref="{ref}"`' for ref, target in dotnet.CHANNEL_SECTIONS.items() if target == section)
        rows += [(f"`<channel {a}>` ({refs})", f"`[{section}] {k}`") for a, k in dotnet.CHANNEL_ATTRIBUTES.items()]
        rows += [(f'`<channel rejectRemoteRequests="true">` ({refs})',
                  f'`[{section}] host = "127.0.0.1"` (unless `bindTo` is given)')]
    names = ", ".join(f"`{n}`" for n in dotnet.CHANNEL_NAMES)
    rows += [(f"`<channel>` {names}", "accepted: they only name or order channels")]
    formatters = ", ".join(f"`{n}`" for n in dotnet.FORMATTERS)
    rows += [(f"`<serverProviders><formatter ref|type>` ({formatters})",
              "`formatters` (HTTP) or `[tcp] formatters`, in order; no `<serverProviders>`: "
              + ", ".join(dotnet.DEFAULT_FORMATTERS) + " over HTTP, binary, soap over TCP (what .NET's channels "
              "accept)")]
    rows += [("`<formatter typeFilterLevel>`",
              "`type_filter` (the same level on every formatter of every channel, else Low)")]
    rows += [('`<provider ref="wsdl">`', "accepted: every object answers `?wsdl`")]
    rows += [("`<customErrors mode>`", "`custom_errors`")]
    lines = ["| in the .NET file | becomes |", "|---|---|", *(f"| {a} | {_cell(b)} |" for a, b in rows)]
    lines += ["", "Reported at start-up and by `check`, not honoured:", "", "| what | why |", "|---|---|"]
    lines += [f"| `{_cell(what)}` | {_cell(why)} |" for what, why in dotnet.NOT_HONOURED.items()]
    return lines


def reference() -> str:
    """The generated reference (Markdown), without the markers."""
    lines = ["## Reference", ""]
    for spec in SECTIONS:
        title = "Top-level keys" if not spec.name else f"`[{spec.name}]`"
        lines += [f"### {title}", "", spec.doc, "", *_key_table(spec.cls, spec), *_tables(spec.cls, spec.name), ""]
    lines += [
        "Kinds: a *duration* is seconds (`30`, `0.5`) or a number with a unit as in .NET configuration files: "
        '`"5M"`, `"2S"`, `"100MS"`, `"1H"`, `"1D"` (`body_timeout` takes 0 for no limit). '
        "Names in a *one of* are matched in any letter case. Environment variables hold text: lists are "
        "comma-separated, booleans `1/true/yes/on` or `0/false/no/off`; an empty variable counts as unset.",
        "",
        "### The .NET configuration file",
        "",
        *_dotnet(),
        "",
    ]
    return "\n".join(lines)


def render_page(page: str) -> str:
    """``page`` with the text between the markers replaced by the current reference."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing")
    return page[: start + len(BEGIN)] + "\n\n" + reference() + "\n" + page[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.config.docs", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"rewrite the reference in {DOC_PATH}")
    action.add_argument("--check", action="store_true", help="exit 1 when the page is out of date")
    args = parser.parse_args(argv)
    if not args.write and not args.check:
        sys.stdout.write(reference())
        return 0
    page = DOC_PATH.read_text(encoding="utf-8")
    updated = render_page(page)
    if args.check:
        if updated != page:
            print(f"{DOC_PATH} is out of date: run python -m gateway.config.docs --write", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
