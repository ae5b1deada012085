"""Descriptions: the contract of a Python class (shared by the dispatcher, client proxies and WSDL writers),
and the WSDL documents generated from it."""

from ._contract import (
    INFRASTRUCTURE_MARKER,
    OBJECT_OPERATIONS,
    Operation,
    Parameter,
    ServiceContract,
    clr_method,
    contract_of,
    throws,
)
from ._literal_wsdl import literal_wsdl
from ._remoting_wsdl import remoting_wsdl

__all__ = [
    "INFRASTRUCTURE_MARKER", "OBJECT_OPERATIONS", "Operation", "Parameter", "ServiceContract", "clr_method",
    "contract_of", "literal_wsdl",
    "remoting_wsdl", "throws",
]
