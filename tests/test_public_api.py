"""The public API of ``soap``, ``wsdl`` and ``gateway`` is what their ``__all__`` says, and the docs agree.

* every name in ``__all__`` is importable from the package;
* every name in ``__all__`` is documented: it appears (as a whole word) in README.md or docs/*.md, except the
  names listed in ``UNDOCUMENTED`` below: exported but not yet in the docs. That list must match exactly, so
  it shrinks as the docs catch up and cannot silently grow;
* every name the docs import (``from gateway import X`` in a code example) or reference (``soap.X``) is in
  ``__all__``: a user copying an example never reaches for something private or gone.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("soap", "wsdl", "gateway")

#: Exported but not (yet) mentioned in README.md or docs/*.md.
UNDOCUMENTED: dict[str, set[str]] = {
    "soap": {
        "ANY", "BINARY_CONTENT_TYPE", "CLR_NS", "COR_E_ARGUMENT", "COR_E_ARGUMENTOUTOFRANGE",
        "COR_E_ARITHMETIC", "COR_E_DIVIDEBYZERO", "COR_E_FORMAT", "COR_E_INVALIDOPERATION", "COR_E_IO",
        "COR_E_KEYNOTFOUND", "COR_E_NOTSUPPORTED", "COR_E_OVERFLOW", "COR_E_SYSTEM", "COR_E_TIMEOUT",
        "COR_E_UNAUTHORIZEDACCESS", "ClrDateTime", "ClrName", "DEFAULT_LIMITS", "DEFAULT_REGISTRY", "Direction",
        "E_NOTIMPL", "E_POINTER", "ExceptionInfo", "FieldSpec", "Kind", "LiteralFormatter", "MessageTooLarge",
        "OutgoingRequest", "REMOTING_SOAP_CONTENT_TYPE", "ReferenceMarshaller", "RemotingSoapFormatter", "SOAP11",
        "SOAP12", "SOAP_ENC", "SOAP_ENV", "SoapEncodeError", "SoapError", "SoapVersion",
        "TypeRegistry", "VOID", "WireType", "XSD_TYPE_NAMES", "XSI", "clr_name_of", "data_namespace",
        "direction_of", "exception_info", "item_element_name", "method_namespace", "object_fields",
        "read_literal_response", "type_name_for_namespace", "wire_type", "write_literal_call",
    },
    "wsdl": {
        "INFRASTRUCTURE_MARKER", "OBJECT_OPERATIONS", "Operation", "Parameter", "ServiceContract", "generate_stub",
        "literal_operations", "write_stub",
    },
    "gateway": {
        "ClientRequestError",
    },
}


#: Dotted words in the docs that look like ``package.name`` but are not names to import.
NOT_API = {
    "gateway.requests",  # the request logger's name
    "gateway.toml",  # a configuration file (examples/gateway.toml)
}


def docs_text() -> str:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```(?:python|py)\s*\n(.*?)^```", text, re.M | re.S)


def doc_imports(text: str) -> set[tuple[str, str]]:
    """``(package, name)`` for every ``from package import name`` in the docs' Python code examples."""
    found: set[tuple[str, str]] = set()
    for block in code_blocks(text):
        for package, names in re.findall(r"^\s*from (soap|wsdl|gateway) import (\([^)]*\)|[^\n]+)", block, re.M):
            without_comments = " ".join(line.split("#")[0] for line in names.strip("()").splitlines())
            for name in without_comments.split(","):
                name = name.split(" as ")[0].strip()
                if name:
                    found.add((package, name))
    return found


def doc_references(text: str) -> set[tuple[str, str]]:
    """``(package, name)`` for every ``soap.X`` / ``wsdl.X`` / ``gateway.X`` written anywhere in the docs,
    except the package's own modules (``gateway.server``: a place in the code, not a name to import) and file
    names (``remoting-gateway.service``)."""
    return {
        (package, name)
        for package, name in re.findall(r"(?<![\w./-])(soap|wsdl|gateway)\.([A-Za-z_]\w*)", text)
        if f"{package}.{name}" not in NOT_API and importlib.util.find_spec(f"{package}.{name}") is None
    }


def documented(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


@pytest.fixture(scope="module")
def docs() -> str:
    return docs_text()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_is_importable(package: str) -> None:
    module: ModuleType = importlib.import_module(package)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == [], f"{package}.__all__ names that do not import: {missing}"
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)  # what a star import gives a user
    assert set(namespace) - {"__builtins__"} == set(exported)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_is_documented(package: str, docs: str) -> None:
    module = importlib.import_module(package)
    undocumented = {name for name in module.__all__ if not documented(name, docs)}
    newly_undocumented = undocumented - UNDOCUMENTED[package]
    assert not newly_undocumented, f"exported from {package} but not in README.md or docs/*.md: {newly_undocumented}"
    now_documented = UNDOCUMENTED[package] - undocumented
    assert not now_documented, f"documented now (or no longer exported): remove from UNDOCUMENTED: {now_documented}"


def test_names_the_docs_import_are_exported(docs: str) -> None:
    imports = doc_imports(docs)
    assert ("gateway", "RemotingApp") in imports and ("soap", "clr_type") in imports  # the parser sees them
    unexported = sorted(
        f"from {package} import {name}"
        for package, name in imports
        if name not in importlib.import_module(package).__all__
    )
    assert unexported == [], f"the docs import names that are not in __all__: {unexported}"


def test_names_the_docs_reference_are_exported(docs: str) -> None:
    references = doc_references(docs)
    assert ("gateway", "RemotingError") in references  # the parser sees them
    unexported = sorted(
        f"{package}.{name}" for package, name in references if name not in importlib.import_module(package).__all__
    )
    assert unexported == [], f"the docs reference names that are not in __all__: {unexported}"


def test_the_doc_parsers_find_what_they_should() -> None:
    sample = (
        "Use `soap.Limits(...)` and `gateway.requests` logs, see gateway.server.\n"
        "```python\nfrom gateway import (\n    RemotingApp,  # the app\n    Lease as L,\n)\n"
        "from soap import clr_type\nimport gateway\n```\n"
        "```sh\nfrom wsdl import not_python\n```\n"
    )
    assert doc_imports(sample) == {("gateway", "RemotingApp"), ("gateway", "Lease"), ("soap", "clr_type")}
    assert doc_references(sample) == {("soap", "Limits")}
    assert documented("Lease", "a `Lease` here") and not documented("Lease", "LeaseState only")
