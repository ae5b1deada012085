"""Fuzz target of the stub generator: Python source from a WSDL anyone may have written.

:func:`wsdl_stub`: the bytes are a WSDL file; ``wsdl._stubgen`` generates its client module (reading only
the file: a URL it would fetch is refused here). A WSDL the generator refuses is fine (the command prints why
and exits 1). Rule: a module it generates compiles, and nothing of the WSDL became code: the only expression
statements are docstrings, the only imports the ones a stub makes. (A name or a text that ended a docstring
early would show here as an expression or as a syntax error.)

It serves the bounded hypothesis tests (``tests/fuzz``) and the long run (``fuzz/run.py``), as the other
targets do; seeds are the WSDL fixtures of ``tests/fixtures/wsdl``.
"""

from __future__ import annotations

import ast
import tempfile
import warnings
from pathlib import Path
from typing import Any

from wsdl import _stubgen

from .rules import Finding

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wsdl"
#: what a stub imports, and from where
IMPORTS = frozenset({"__future__", "dataclasses", "enum", "typing", "gateway", "soap", "datetime", "decimal"})


class _FileOnly(_stubgen._Transport):
    """The generator's transport, reading files only (no fuzz input reaches the network)."""

    def load(self, url: str) -> bytes:
        if url.rstrip("/") == _stubgen.SOAP_ENC_NS.rstrip("/"):
            return super().load(url)
        if "://" in url and not url.startswith("file://"):
            raise ValueError(f"not fetched while fuzzing: {url}")
        return super().load(url)


_DIR = Path(tempfile.mkdtemp(prefix="fuzz-wsdl-"))


def _docstring_or_code(body: list[ast.stmt], where: str) -> None:
    for n, statement in enumerate(body):
        if isinstance(statement, ast.Expr):
            value = statement.value
            if n != 0 or not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                raise Finding(f"an expression in {where}: {ast.unparse(statement)[:200]}")


def check_source(source: str) -> None:
    """Raise :class:`Finding` unless ``source`` compiles and holds only what a stub holds."""
    try:
        tree = ast.parse(source)
        compile(tree, "stub.py", "exec")
    except SyntaxError as exc:
        raise Finding(f"the stub does not compile: {exc}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            _docstring_or_code(node.body, getattr(node, "name", "the module"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if not set(modules) <= IMPORTS:
                raise Finding(f"the stub imports {modules}")


def wsdl_stub(data: bytes) -> int:
    """The stub of the WSDL ``data``: returns its length in lines (0: refused)."""
    path = _DIR / "fuzz.wsdl"
    path.write_bytes(data)
    transport: Any = _FileOnly()  # type: ignore[no-untyped-call]
    original = _stubgen._transport
    _stubgen._transport = lambda: transport
    try:
        with warnings.catch_warnings():  # (zeep warns of what is missing in a broken WSDL, then goes on)
            warnings.simplefilter("ignore")
            source, _ = _stubgen._generate(str(path), soap12=bool(data[-1:] == b"2"))
    except RecursionError as exc:
        raise Finding("RecursionError") from exc
    except Exception:  # refused: the command prints the message and exits 1
        return 0
    finally:
        _stubgen._transport = original
    check_source(source)
    return source.count("\n")


def seeds() -> list[bytes]:
    return [p.read_bytes() for p in sorted(FIXTURES.glob("*.wsdl"))]


__all__ = ["check_source", "seeds", "wsdl_stub"]
