"""``parse_xml``'s checks after the parse (depth, element count, attribute length and count, processing
instructions) against the plain XPath walk they replace: the same documents refused with the same error.

``parse_xml`` asks the tree only when a cheap fact about the bytes cannot rule a problem out (a ``<`` count,
the size, an ``=`` count, the runs of bytes between two ``<``, a ``?`` search); these tests feed it documents
over and under each limit, in several encodings, with the shortcuts for small and for large messages both
taken (``_SCAN_BYTES``), and compare with :func:`reference`, which always walks the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from soap import LimitExceeded, Limits, SoapDecodeError, _xml, parse_xml


def reference(data: bytes, limits: Limits) -> str:
    """What the checks must answer, by walking the whole tree: "" (accepted) or the limit / error met first."""
    try:
        root = etree.fromstring(data, _xml._PARSER)
    except (etree.XMLSyntaxError, LookupError, ValueError):
        return "malformed"
    if etree.XPath("//processing-instruction()")(root):
        return "processing instruction"
    depth = max(len(list(el.iterancestors())) + 1 for el in root.iter("*"))
    if depth > limits.max_depth:
        return "max_depth"
    if sum(1 for _ in root.iter("*")) > limits.max_elements:
        return "max_elements"
    if any(len(value) > limits.max_attribute_length for el in root.iter("*") for value in el.attrib.values()):
        return "max_attribute_length"
    if any(len(el.attrib) > limits.max_attributes for el in root.iter("*")):
        return "max_attributes"
    return ""


def outcome(data: bytes, limits: Limits) -> str:
    try:
        parse_xml(data, limits)
    except LimitExceeded as exc:
        return exc.limit
    except SoapDecodeError as exc:
        return "processing instruction" if "processing instruction" in str(exc) else "malformed"
    return ""


@contextmanager
def scan_bytes(size: int) -> Iterator[None]:
    """Messages up to ``size`` bytes count their bytes first; larger ones ask the tree at once."""
    saved = _xml._SCAN_BYTES
    _xml._SCAN_BYTES = size
    try:
        yield
    finally:
        _xml._SCAN_BYTES = saved


TEXT = st.text(alphabet="ab <>&?!=\"'é\u3042", max_size=12)
NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(NAMES)
    attributes = draw(st.lists(st.tuples(NAMES, st.integers(0, 30), TEXT), max_size=6, unique_by=lambda a: a[0]))
    attrs = "".join(f' {n}="{_escape(t * length)[:length * 2]}"' for n, length, t in attributes if t or not length)
    children = draw(st.lists(elements(depth + 1), max_size=3 if depth < 2 else 1)) if depth < 9 else []
    text = _escape(draw(TEXT))
    pi = "<?p x?>" if draw(st.integers(0, 30)) == 0 else ""
    return f"<{name}{attrs}>{text}{pi}{''.join(children)}</{name}>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@settings(max_examples=200, deadline=None)
@given(
    document=elements(),
    encoding=st.sampled_from(["utf-8", None, "iso-8859-1", "utf-16", "iso-2022-jp"]),
    limits=st.builds(Limits, max_depth=st.integers(1, 8), max_elements=st.integers(1, 40),
                     max_attribute_length=st.integers(1, 40), max_attributes=st.integers(0, 6)),
    scan=st.sampled_from([0, 8192]),
)
def test_the_checks_answer_as_the_whole_tree_walk(document: str, encoding: str | None, limits: Limits,
                                                   scan: int) -> None:
    if encoding is None:
        data = document.encode()
    else:
        declared = f'<?xml version="1.0" encoding="{encoding}"?>{document}'
        try:
            data = declared.encode(encoding)
        except UnicodeEncodeError:
            data = f'<?xml version="1.0" encoding="utf-8"?>{document}'.encode()
    with scan_bytes(scan):
        assert outcome(data, limits) == reference(data, limits)


# ------------------------------------------------------------------ each limit, large messages


def envelope(inner: str, padding: int = 0) -> bytes:
    """A message with ``inner`` in its body and ``padding`` bytes of base64-like text (a large message)."""
    return (f'<?xml version="1.0" encoding="utf-8"?><E><B>{inner}<pad>{"QUJD" * (padding // 4)}</pad></B></E>'
            ).encode()


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_too_deep_is_refused_in_a_large_message(padding: int) -> None:
    data = envelope("<a>" * 70 + "</a>" * 70, padding)
    with pytest.raises(LimitExceeded) as raised:
        parse_xml(data, Limits(max_depth=64))
    assert raised.value.limit == "max_depth"
    parse_xml(envelope("<a>" * 60 + "</a>" * 60, padding), Limits(max_depth=64))


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_too_many_elements_is_refused_in_a_large_message(padding: int) -> None:
    data = envelope("<a/>" * 3000, padding)
    with pytest.raises(LimitExceeded) as raised:
        parse_xml(data, Limits(max_elements=2000))
    assert raised.value.limit == "max_elements"
    parse_xml(data, Limits(max_elements=4000))


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_too_many_attributes_is_refused_in_a_large_message(padding: int) -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(300))
    data = envelope(f"<p {attributes}/>" + '<q a="1" b="2"/>' * 500, padding)
    with pytest.raises(LimitExceeded) as raised:
        parse_xml(data, Limits(max_attributes=256))
    assert raised.value.limit == "max_attributes"
    assert "<p> has 300 attributes" in str(raised.value)
    parse_xml(data, Limits(max_attributes=300))


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_a_long_attribute_is_refused_in_a_large_message(padding: int) -> None:
    long = envelope(f'<p a="{"x" * 70_000}"/>', padding)
    with pytest.raises(LimitExceeded) as raised:
        parse_xml(long, Limits())
    assert raised.value.limit == "max_attribute_length"
    assert "on <p>" in str(raised.value)
    # as long, but made of character references: still the same number of characters
    referenced = envelope(f'<p a="{"&#120;" * 65_537}"/>', padding)
    with pytest.raises(LimitExceeded):
        parse_xml(referenced, Limits())
    parse_xml(envelope(f'<p a="{"x" * 65_536}"/>', padding), Limits())


def test_a_long_attribute_in_a_multibyte_encoding_is_found() -> None:
    """In ISO-2022-JP a kanji's bytes may include 0x3C, a "<" byte that is no "<": the byte runs prove nothing
    there, and the tree is asked."""
    value = "\u4e03" * 70_000  # each "<7" in JIS X 0208: a run of one byte between two "<" bytes
    assert "\u4e03".encode("iso2022_jp")[3:5] == b"<7"
    data = f'<?xml version="1.0" encoding="ISO-2022-JP"?><p a="{value}"/>'.encode("iso2022_jp")
    with pytest.raises(LimitExceeded) as raised:
        parse_xml(data, Limits())
    assert raised.value.limit == "max_attribute_length"


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_huge_text_is_refused_by_the_parser(padding: int) -> None:
    data = envelope(f"<p>{'x' * 10_000_001}</p>", padding)
    with pytest.raises(SoapDecodeError):
        parse_xml(data, Limits(max_bytes=64 * 1024 * 1024))


@pytest.mark.parametrize("padding", [0, 1_000_000])
def test_a_processing_instruction_after_many_question_marks_is_found(padding: int) -> None:
    data = envelope("<p>" + "?" * 20 + "</p><?target x?>", padding)
    with pytest.raises(SoapDecodeError, match="processing instructions"):
        parse_xml(data)
    parse_xml(envelope("<p>" + "?" * 20 + "</p>", padding))
