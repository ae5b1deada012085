"""XML namespaces of SOAP 1.1 and of the .NET Remoting SOAP dialect.

The Remoting dialect names CLR types with URLs under ``http://schemas.microsoft.com/clr/``.
Two spellings exist for a type from a non-mscorlib assembly, and Mono/.NET use both:

* as a *method element* namespace: ``…/clr/nsassem/<Namespace.Type>/<AssemblySimpleName>``;
* as a *data type* namespace:      ``…/clr/nsassem/<Namespace>/<AssemblyFullName, URL-encoded>``.

mscorlib types drop the assembly: ``…/clr/ns/<Namespace>`` (data) or ``…/clr/ns/<Namespace.Type>`` (method).
"""

from __future__ import annotations

import functools
from urllib.parse import quote, unquote

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
CLR = "http://schemas.microsoft.com/clr/"
CLR_NS = CLR + "ns/"
CLR_NSASSEM = CLR + "nsassem/"
MESSAGE_PROPERTIES = CLR + "soap/messageProperties"
#: WS-Security 1.0 (OASIS): the ``wsse:Security`` header and its fault codes
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

#: Assembly names that .NET treats as "the core library": their types live under ``clr/ns/``.
CORE_ASSEMBLIES = frozenset({"mscorlib", ""})


def split_type_name(full_name: str) -> tuple[str, str]:
    """``"RemotingPeer.Person"`` -> ``("RemotingPeer", "Person")``; no dot -> ``("", name)``."""
    namespace, _, name = full_name.rpartition(".")
    return namespace, name


def simple_assembly_name(assembly: str) -> str:
    """``"PeerShared, Version=0.0.0.0, …"`` -> ``"PeerShared"``."""
    return assembly.split(",", 1)[0].strip()


@functools.lru_cache(maxsize=1024)  # a writer asks once per object it writes: 1000 items, 1000 times
def method_namespace(type_full_name: str, assembly: str) -> str:
    """The namespace of a method element (and the SOAPAction prefix) for a type."""
    simple = simple_assembly_name(assembly)
    if simple in CORE_ASSEMBLIES:
        return CLR_NS + type_full_name
    return f"{CLR_NSASSEM}{type_full_name}/{simple}"


@functools.lru_cache(maxsize=1024)
@functools.lru_cache(maxsize=1024)  # writers ask once per object written (quote() is Python code)
def data_namespace(type_full_name: str, assembly: str) -> str:
    """The namespace an object of this type is written in (element name = the type's short name)."""
    namespace, _ = split_type_name(type_full_name)
    if simple_assembly_name(assembly) in CORE_ASSEMBLIES:
        return CLR_NS + namespace
    return f"{CLR_NSASSEM}{namespace}/{quote(assembly, safe='')}"


def type_name_for_namespace(namespace: str) -> str:
    """Invert :func:`method_namespace`: the ``"Namespace.Type, Assembly"`` a binary call names its type by.

    Anything else is passed on unchanged: a caller that names the type directly.
    """
    if namespace.startswith(CLR_NSASSEM):
        type_name, _, assembly = namespace[len(CLR_NSASSEM):].partition("/")
        return f"{type_name}, {assembly}"
    if namespace.startswith(CLR_NS):
        return f"{namespace[len(CLR_NS):]}, mscorlib"
    return namespace


@functools.lru_cache(maxsize=1024)  # readers ask once per object read
def parse_data_namespace(uri: str, local_name: str) -> tuple[str, str] | None:
    """Invert :func:`data_namespace`: ``(type full name, assembly)``, or None if not a CLR namespace."""
    if uri.startswith(CLR_NS):
        namespace = uri[len(CLR_NS):]
        return (f"{namespace}.{local_name}" if namespace else local_name), "mscorlib"
    if uri.startswith(CLR_NSASSEM):
        namespace, _, assembly = uri[len(CLR_NSASSEM):].partition("/")
        full = f"{namespace}.{local_name}" if namespace else local_name
        return full, unquote(assembly)
    return None
