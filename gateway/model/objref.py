"""ObjRefs for this process's own objects: how a MarshalByRefObject is described when it leaves by reference.

Both sides publish objects (the server its client-activated and returned objects, a client its callback
objects through its listener), so both build ObjRefs the same way here.
"""

from __future__ import annotations

from soap import ClrName, ObjRef, clr_name_of

from .objects import MarshalByRefObject


def aqn(name: ClrName) -> str:
    """Assembly-qualified name as .NET writes it in a TypeInfo."""
    assembly = name.assembly
    if assembly == "mscorlib":
        assembly = "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    return f"{name.full_name}, {assembly}"


def type_hierarchy(cls: type) -> tuple[list[str], list[str]]:
    """(server hierarchy, interfaces) as assembly-qualified CLR names, from the classes that declare one."""
    hierarchy: list[str] = []
    interfaces: list[str] = []
    for klass in cls.__mro__[1:]:
        if "__clr_identity__" not in klass.__dict__ or klass is MarshalByRefObject:
            continue
        name = aqn(clr_name_of(klass))
        (hierarchy if issubclass(klass, MarshalByRefObject) else interfaces).append(name)
    return hierarchy, interfaces


def objref_for(uri: str, obj: object, base_url: str | list[str], process_guid: str) -> ObjRef:
    """The ObjRef of ``obj`` published at ``uri`` and reachable under ``base_url`` (or each of several base
    URLs, one per channel: HTTP and TCP)."""
    cls = type(obj)
    hierarchy, interfaces = type_hierarchy(cls)
    # .NET turns a received ObjRef into a proxy as it deserializes it unless ``fIsMarshalled`` is present
    # and 0: so ordinary arguments and return values (and leases) omit it, and only the activation reply,
    # which the .NET activator unmarshals itself, carries 0 (as the Mono reference server sends them).
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    return ObjRef(uri, aqn(clr_name_of(cls)), urls, interfaces, hierarchy, process_guid, None)
