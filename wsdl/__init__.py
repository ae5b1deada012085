"""Descriptions: the contract of a Python class (shared by the dispatcher, client proxies and WSDL writers),
and the WSDL documents generated from it."""

from ._contract import INFRASTRUCTURE_MARKER, Operation, Parameter, ServiceContract, contract_of, throws
from ._literal_wsdl import literal_operations, literal_wsdl, soap_action
from ._remoting_wsdl import remoting_wsdl

__all__ = [
    "INFRASTRUCTURE_MARKER", "Operation", "Parameter", "ServiceContract", "contract_of", "literal_operations",
    "literal_wsdl", "remoting_wsdl", "soap_action", "throws",
]
