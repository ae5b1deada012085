"""Descriptions: the contract of a Python class (shared by the dispatcher, client proxies and WSDL writers),
and the WSDL documents generated from it."""

from ._contract import (
    INFRASTRUCTURE_MARKER,
    Operation,
    Parameter,
    ServiceContract,
    contract_of,
    one_way,
    soap_headers,
    throws,
)
from ._literal_wsdl import literal_wsdl
from ._remoting_wsdl import remoting_wsdl

__all__ = [
    "INFRASTRUCTURE_MARKER", "Operation", "Parameter", "ServiceContract", "contract_of", "literal_wsdl",
    "one_way", "remoting_wsdl", "soap_headers", "throws",
]
