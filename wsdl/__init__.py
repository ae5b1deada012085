"""Descriptions: the contract of a Python class (shared by the dispatcher, client proxies and WSDL writers),
the WSDL documents generated from it, and Python client stubs generated from any WSDL."""

from typing import TYPE_CHECKING, Any

from ._contract import (
    INFRASTRUCTURE_MARKER,
    OBJECT_OPERATIONS,
    Operation,
    Parameter,
    ServiceContract,
    clr_method,
    contract_of,
    one_way,
    run_inline,
    soap_headers,
    throws,
)
from ._literal_wsdl import literal_name_clashes, literal_operations, literal_wsdl, soap_action
from ._remoting_wsdl import remoting_wsdl

if TYPE_CHECKING:
    from ._stubgen import generate_stub, write_stub


def __getattr__(name: str) -> Any:
    """``generate_stub`` and ``write_stub`` load the stub generator on first use: it imports zeep (half a second
    and some megabytes), which a server, importing ``wsdl`` for its contracts, never needs."""
    if name in ("generate_stub", "write_stub"):
        from . import _stubgen  # noqa: PLC0415 - deliberately lazy (zeep's cost), not to break a cycle

        return getattr(_stubgen, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "INFRASTRUCTURE_MARKER", "OBJECT_OPERATIONS", "Operation", "Parameter", "ServiceContract", "clr_method",
    "contract_of", "generate_stub", "literal_name_clashes", "literal_operations", "literal_wsdl", "one_way",
    "remoting_wsdl", "run_inline", "soap_action", "soap_headers", "throws", "write_stub",
]
