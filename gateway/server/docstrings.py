"""Docstrings to HTML for the help page: the small part of reStructuredText that docstrings actually use.

Rendered here rather than with docutils because a help page needs a dozen constructs, not a document
processor (and the server gains no dependency). What is understood:

* paragraphs (separated by blank lines), ``literal`` text, *emphasis*, **strong**, `interpreted` text;
* roles such as :class:`Foo`, :meth:`~pkg.Foo.bar`, :func:`f`, :exc:`E` (shown as code; ``~`` keeps the
  last component, ``Title <target>`` the title);
* bullet lists (``*``, ``-``, ``+``), continuation lines indented;
* a paragraph ending in ``::`` followed by an indented literal block;
* doctest blocks (``>>>`` lines);
* field lists (``:param x: text``), and section titles underlined with ``-``, ``=`` or ``~``.

Everything else is shown as plain text. Every piece of the docstring is HTML-escaped before it is wrapped
in markup, so a docstring can never inject markup into the page; only the tags made here come out.
"""

from __future__ import annotations

import html
import inspect
import re

__all__ = ["render_docstring", "render_inline"]

_INLINE = re.compile(
    r"""
    ``(?P<literal>\S(?:.*?\S)??)``(?!`)
    | :(?P<role>[A-Za-z][\w.+-]*(?::[A-Za-z][\w.+-]*)?):`(?P<role_text>[^`]+)`
    | (?<![\w*])\*\*(?P<strong>[^*\s](?:[^*]*?[^*\s])?)\*\*(?![\w*])
    | (?<![\w*])\*(?P<em>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])
    | (?<![\w`])`(?P<interpreted>[^`\s](?:[^`]*?[^`\s])?)`(?:__?)?(?![\w`])
    """,
    re.VERBOSE | re.DOTALL,
)
_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_BULLET = re.compile(r"^([*+-])\s+")
_FIELD = re.compile(r"^:(?P<name>[^:`\s][^:`]*):(?:\s+|$)")
_UNDERLINE = re.compile(r"^([-=~^\"'`#*+])\1{2,}\s*$")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _role_text(text: str) -> str:
    """What a role shows: ``Title <target>`` -> Title; ``~a.b.c`` -> c; ``a.b()`` as written."""
    m = _TARGET.match(text)
    if m and m.group("title"):
        return m.group("title")
    text = m.group("target") if m else text
    if text.startswith("~"):
        return text[1:].rpartition(".")[2]
    return text.lstrip("!")


def render_inline(text: str) -> str:
    """Inline markup of one paragraph to HTML (escaped)."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(_esc(text[pos:m.start()]))
        pos = m.end()
        if m.group("literal") is not None:
            out.append(f"<code>{_esc(m.group('literal'))}</code>")
        elif m.group("role") is not None:
            out.append(f"<code>{_esc(_role_text(m.group('role_text')))}</code>")
        elif m.group("strong") is not None:
            out.append(f"<strong>{_esc(m.group('strong'))}</strong>")
        elif m.group("em") is not None:
            out.append(f"<em>{_esc(m.group('em'))}</em>")
        else:
            out.append(f"<code>{_esc(_role_text(m.group('interpreted')))}</code>")
    out.append(_esc(text[pos:]))
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Renderer:
    """One pass over the lines of a docstring (already dedented), block by block."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.i = 0
        self.out: list[str] = []

    def run(self) -> str:
        while self.i < len(self.lines):
            if not self.lines[self.i].strip():
                self.i += 1
                continue
            self.block()
        return "".join(self.out)

    def take_paragraph(self) -> list[str]:
        """Lines up to the next blank line (or a line indented less than the first)."""
        start = self.i
        base = _indent(self.lines[start])
        while self.i < len(self.lines) and self.lines[self.i].strip():
            if self.i > start and _indent(self.lines[self.i]) < base:
                break
            self.i += 1
        return [line.strip() for line in self.lines[start:self.i]]

    def take_indented(self, base: int) -> list[str]:
        """The block indented more than ``base`` (blank lines inside kept), dedented."""
        start = self.i
        end = self.i
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip():
                if _indent(line) <= base:
                    break
                end = self.i + 1
            self.i += 1
        self.i = end
        block = self.lines[start:end]
        cut = min((_indent(line) for line in block if line.strip()), default=0)
        return [line[cut:] for line in block]

    def block(self) -> None:
        line = self.lines[self.i]
        stripped = line.strip()
        base = _indent(line)
        if stripped.startswith(">>>"):
            self.pre(self.take_paragraph(), "doctest")
        elif _BULLET.match(stripped):
            self.bullets(base)
        elif _FIELD.match(stripped):
            self.fields(base)
        elif (self.i + 1 < len(self.lines) and _UNDERLINE.match(self.lines[self.i + 1].strip())
              and len(self.lines[self.i + 1].strip()) >= len(stripped)):
            self.out.append(f"<h4>{render_inline(stripped)}</h4>")
            self.i += 2
        else:
            self.paragraph(base)

    def paragraph(self, base: int) -> None:
        lines = self.take_paragraph()
        text = "\n".join(lines)
        literal_follows = text.endswith("::")
        if literal_follows:
            text = text[:-2].rstrip()
            if text and not text[-1].isspace() and not lines[-1].endswith(" ::") and lines[-1] != "::":
                text += ":"  # "Example::" reads "Example:"; "text ::" and a lone "::" leave no colon
        if text:
            self.out.append(f"<p>{render_inline(text)}</p>")
        if literal_follows:
            self.skip_blank()
            if self.i < len(self.lines) and _indent(self.lines[self.i]) > base:
                self.pre(self.take_indented(base), "literal")

    def skip_blank(self) -> None:
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            self.i += 1

    def pre(self, lines: list[str], css: str) -> None:
        self.out.append(f'<pre class="{css}"><code>{_esc(chr(10).join(lines))}</code></pre>')

    def item_body(self, first: str, base: int) -> str:
        """One list item or field body: the text after its marker and every line indented deeper than the
        marker (continuation lines, nested lists and literal blocks), rendered as blocks of their own."""
        self.i += 1
        return _Renderer([first, *self.take_indented(base)]).run()

    def bullets(self, base: int) -> None:
        items: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            m = _BULLET.match(line.strip())
            if not line.strip():
                save = self.i
                self.skip_blank()
                nxt = self.lines[self.i] if self.i < len(self.lines) else ""
                if _indent(nxt) == base and _BULLET.match(nxt.strip()):
                    continue
                self.i = save
                break
            if m is None or _indent(line) != base:
                break
            items.append(f"<li>{self.item_body(line.strip()[m.end():], base)}</li>")
        self.out.append(f"<ul>{''.join(items)}</ul>")

    def fields(self, base: int) -> None:
        rows: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            m = _FIELD.match(line.strip())
            if m is None or _indent(line) != base:
                break
            name = m.group("name").strip()
            rows.append(f"<dt>{render_inline(name)}</dt><dd>{self.item_body(line.strip()[m.end():], base)}</dd>")
        self.out.append(f'<dl class="fields">{"".join(rows)}</dl>')


def render_docstring(doc: str | None) -> str:
    """A docstring as an HTML fragment (empty for no docstring); dedented like :func:`inspect.cleandoc`."""
    if not doc or not doc.strip():
        return ""
    lines = inspect.cleandoc(doc).expandtabs(8).splitlines()
    return _Renderer(lines).run()
