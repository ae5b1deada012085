"""Docstrings rendered for the help page: the reST subset docstrings use, and nothing a docstring says can
become markup (every character of it reaches the page escaped)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.server.docstrings import render_docstring, render_inline

#: the only tags the renderer itself writes
OWN_TAGS = re.compile(r"</?(?:p|code|em|strong|ul|li|pre|h4|dl|dt|dd)>|<pre class=\"(?:literal|doctest)\">"
                      r"|<dl class=\"fields\">")


def tree(doc: str) -> etree._Element:
    """The rendered fragment parsed as XML: it must be well-formed, whatever the input."""
    return etree.fromstring(f"<div>{render_docstring(doc)}</div>".encode())


def test_paragraphs_and_inline_markup() -> None:
    html = render_docstring("""Greets ``name`` *warmly* and **loudly**.

    Second paragraph, with `interpreted` text
    over two lines.
    """)
    assert html == (
        "<p>Greets <code>name</code> <em>warmly</em> and <strong>loudly</strong>.</p>"
        "<p>Second paragraph, with <code>interpreted</code> text\nover two lines.</p>"
    )


def test_two_literals_in_one_sentence_stay_apart() -> None:
    assert render_inline("A copy of ``p``, ``years`` older.") == (
        "A copy of <code>p</code>, <code>years</code> older.")


def test_roles_are_shown_as_code() -> None:
    assert render_inline("Raises :class:`InteropError`; see :meth:`~gateway.RemotingClient.get_object` and "
                         ":func:`the helper <pkg.helper>` or :py:exc:`KeyError`.") == (
        "Raises <code>InteropError</code>; see <code>get_object</code> and <code>the helper</code> or "
        "<code>KeyError</code>.")


def test_arithmetic_is_not_emphasis() -> None:
    assert render_inline("2*3*4 and a * b") == "2*3*4 and a * b"


def test_bullet_lists_with_continuations_and_nesting() -> None:
    root = tree("""Kinds:

    * one item
      continued here
    * two, with a nested list:

      - inner *a*
      - inner b
    * three
    """)
    outer = root.find("ul")
    assert outer is not None
    items = outer.findall("li")
    assert len(items) == 3
    assert "".join(items[0].itertext()) == "one item\ncontinued here"
    inner = items[1].find("ul")
    assert inner is not None and [("".join(li.itertext())) for li in inner.findall("li")] == ["inner a", "inner b"]
    assert inner.find("li/p/em") is not None


def test_literal_block_after_double_colon() -> None:
    html = render_docstring("""Example::

        client = RemotingClient()
            indented <more>

    After.
    """)
    assert html == ('<p>Example:</p><pre class="literal"><code>client = RemotingClient()\n'
                    '    indented &lt;more&gt;</code></pre><p>After.</p>')
    assert render_docstring("Expanded form ::\n\n    x\n").startswith("<p>Expanded form</p>")
    assert render_docstring("Para.\n\n::\n\n    x = 1\n") == '<p>Para.</p><pre class="literal"><code>x = 1</code></pre>'


def test_doctest_blocks_are_code() -> None:
    html = render_docstring("""Adds.

    >>> add(2, 3)
    5
    >>> add("<a>", "&")
    '<a>&'
    """)
    assert html == ('<p>Adds.</p><pre class="doctest"><code>&gt;&gt;&gt; add(2, 3)\n5\n'
                    '&gt;&gt;&gt; add(&quot;&lt;a&gt;&quot;, &quot;&amp;&quot;)\n'
                    '&#x27;&lt;a&gt;&amp;&#x27;</code></pre>')


def test_field_lists_and_section_titles() -> None:
    root = tree("""Summary.

    :param name: who to greet,
        on two lines
    :returns: the greeting

    Raises
    ------
    Nothing.
    """)
    fields = root.find("dl")
    assert fields is not None and fields.get("class") == "fields"
    assert [dt.text for dt in fields.findall("dt")] == ["param name", "returns"]
    assert "".join(fields.findall("dd")[0].itertext()) == "who to greet,\non two lines"
    heading = root.find("h4")
    assert heading is not None and heading.text == "Raises"


def test_no_docstring_renders_nothing() -> None:
    assert render_docstring(None) == ""
    assert render_docstring("   \n  ") == ""


HOSTILE = [
    '<script>alert(1)</script>',
    '</script><script>alert("x")</script>',
    '``<img src=x onerror=alert(1)>``',
    ':class:`<b onclick="x">`',
    '**<i>**  *<u>*  `<s>`',
    '* <li>item</li>\n* ``</ul>``',
    'x::\n\n    </pre><script>1</script>',
    '>>> "</code></pre><iframe>"',
    ':<dt>: <dd>',
    'A & B &amp; "quoted" \'single\'',
]


def test_hostile_docstrings_are_escaped() -> None:
    for doc in HOSTILE:
        html = render_docstring(doc)
        assert OWN_TAGS.sub("", html).count("<") == 0, (doc, html)
        text = "".join(tree(doc).itertext())
        # what the reader sees still holds the characters the docstring wrote
        for word in ("script", "img", "onclick", "iframe", "item"):
            if word in doc:
                assert word in text, (doc, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab <>&\"'`*:-~\n>.=_|", "::", ">>> ", "``", "  ", "* ", ":x: "]),
                max_size=60).map("".join))
def test_any_text_renders_to_well_formed_escaped_html(doc: str) -> None:
    html = render_docstring(doc)
    assert OWN_TAGS.sub("", html).count("<") == 0, html
    tree(doc)  # well-formed: every tag the renderer opened, it closed
