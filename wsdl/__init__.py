"""Descriptions: the contract of a Python class (shared by the dispatcher, client proxies and WSDL writers),
the WSDL documents generated from it, and Python client stubs generated from any WSDL."""

from ._contract import (
    INFRASTRUCTURE_MARKER,
    OBJECT_OPERATIONS,
    Operation,
    Parameter,
    ServiceContract,
    clr_method,
    contract_of,
    one_way,
    soap_headers,
    throws,
)
from ._literal_wsdl import literal_operations, literal_wsdl, soap_action
from ._remoting_wsdl import remoting_wsdl
from ._stubgen import generate_stub, write_stub

__all__ = [
    "INFRASTRUCTURE_MARKER", "OBJECT_OPERATIONS", "Operation", "Parameter", "ServiceContract", "clr_method",
    "contract_of", "generate_stub", "literal_operations", "literal_wsdl", "one_way", "remoting_wsdl", "soap_action",
    "soap_headers", "throws", "write_stub",
]
