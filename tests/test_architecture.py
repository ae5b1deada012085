"""The layering docs/architecture.md promises, checked on the source: no import cycle among the project's
modules (function-level imports included), ``soap`` free of HTTP and asyncio, ``wsdl`` on ``soap``'s public
API only, and ``gateway``'s server layer never importing the client outside the two modules that join them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("soap", "wsdl", "gateway")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the packages: the .py files, and the compiled ones (a C source with its .pyi stub,
    e.g. soap/_int_lists), which import nothing of the project."""
    found = {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
    for pkg in PACKAGES:
        for stub in sorted((ROOT / pkg).rglob("*.pyi")):
            found.setdefault(_module_name(stub), stub)
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[str]:
    """Every module this one imports, at any level of the file (function bodies included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(target)
            # ``from pkg import submodule`` imports the submodule too
            found.extend(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES)
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges = set()
        for target in _imports(name, path):
            # an import of a.b.c depends on a.b.c (or the nearest project module above it)
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_among_project_modules() -> None:
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("soap")))
def test_soap_does_no_io(name: str) -> None:
    banned = ("asyncio", "httpx", "starlette", "uvicorn", "socket", "http", "anyio", "gateway", "wsdl")
    bad = [t for t in _imports(name, MODULES[name]) if t.split(".")[0] in banned]
    assert not bad, f"{name} imports {bad}: soap is sans-I/O and the bottom layer"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("wsdl")))
def test_wsdl_uses_only_soaps_public_api(name: str) -> None:
    private = [t for t in _imports(name, MODULES[name]) if t.startswith("soap.") or t.startswith("gateway")]
    assert not private, f"{name} imports {private}: wsdl may use only `from soap import ...`"


#: the modules allowed to import the client layer from the server layer (a server calling back a client)
SERVER_TO_CLIENT = {"gateway.server.callbacks"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("gateway.server")))
def test_server_layer_does_not_import_the_client(name: str) -> None:
    if name in SERVER_TO_CLIENT:
        return
    client = [t for t in _imports(name, MODULES[name]) if t.startswith("gateway.client")]
    assert not client, f"{name} imports {client}: only {sorted(SERVER_TO_CLIENT)} may"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("gateway.model")))
def test_model_layer_imports_neither_side(name: str) -> None:
    sides = [t for t in _imports(name, MODULES[name]) if t.startswith(("gateway.server", "gateway.client"))]
    assert not sides, f"{name} imports {sides}: the object model is below both sides"


def test_the_checker_sees_a_cycle() -> None:
    """The cycle finder itself works (so a green run means something)."""
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
