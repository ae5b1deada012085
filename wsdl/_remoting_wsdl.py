"""WSDL 1.1 in the .NET Remoting dialect (rpc/encoded with SUDS extensions): written in the next step."""

from __future__ import annotations

from ._contract import ServiceContract


def remoting_wsdl(contract: ServiceContract, location: str) -> bytes:
    raise ValueError("the Remoting WSDL dialect is not available yet")
