"""Descriptions: the contract of a Python class, shared by the dispatcher, client proxies and WSDL writers."""

from ._contract import EXCLUDED_BASES, Operation, Parameter, ServiceContract, contract_of

__all__ = ["EXCLUDED_BASES", "Operation", "Parameter", "ServiceContract", "contract_of"]
