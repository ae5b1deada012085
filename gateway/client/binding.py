"""How a proxy talks to its service: the .NET Remoting dialect (the default) or document/literal SOAP.

A :class:`LiteralBinding` is what a WSDL-generated stub carries: the target namespace of the wrapper
elements, the SOAP version, the SOAPAction of each operation, and which exception class each declared
fault's detail element becomes. Proxies without one speak the Remoting
dialect, with the contract's CLR namespace in the method element and SOAPAction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from soap import SOAP11, SOAP12, SoapVersion


@dataclass(frozen=True)
class LiteralBinding:
    """Document/literal wrapped calls: ``<tns:op><tns:param/>…</tns:op>``, answered by ``<opResponse>``."""

    namespace: str
    soap_version: str = "1.1"
    actions: Mapping[str, str] = field(default_factory=dict)
    #: wire names where the Python ones differ (names that are not identifiers, or keywords)
    operation_names: Mapping[str, str] = field(default_factory=dict)
    parameter_names: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: the declared faults (``wsdl:fault``): detail element ``{namespace}name`` -> the exception class raised
    #: with the detail's values
    faults: Mapping[str, type[BaseException]] = field(default_factory=dict)

    def element(self, operation: str) -> str:
        return self.operation_names.get(operation, operation)

    @property
    def version(self) -> SoapVersion:
        return SOAP12 if self.soap_version == "1.2" else SOAP11

    def action(self, operation: str) -> str:
        return self.actions.get(operation, "")
