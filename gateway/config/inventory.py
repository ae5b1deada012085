"""What an application publishes, and what it cannot publish and why: ``remoting-gateway check`` prints it,
``serve`` prints its URLs.

For every well-known object: its URI, class, mode and operations; for every operation what keeps it out of
a dialect (an object reference has no document/literal form) or makes callers guess (no type hints); for
the class, public members that are not remote methods (static and class methods, plain attributes,
methods outside a declared ``__remoting_contract__``). Every WSDL document is generated once, so a class
whose WSDL cannot be written fails here rather than on a caller's ``?wsdl``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from soap import Kind, clr_name_of
from wsdl import INFRASTRUCTURE_MARKER, Operation, ServiceContract, contract_of, literal_operations

from ..server.host import ObjectHost
from ..server.identity import ServiceEntry
from ..server.wsdl_cache import VARIANTS


@dataclass
class OperationReport:
    signature: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ServiceReport:
    """One published URI (``uri``), or one client-activated type (``uri`` is None)."""

    uri: str | None
    cls: type
    mode: str
    clr_name: str
    operations: list[OperationReport] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    services: list[ServiceReport]
    formatters: list[str]

    @property
    def errors(self) -> list[str]:
        return [f"{s.uri or s.clr_name}: {e}" for s in self.services for e in s.errors]

    @property
    def warnings(self) -> list[str]:
        return [f"{s.uri or s.clr_name}: {w}" for s in self.services for op in s.operations for w in op.warnings]


def inventory(app: ObjectHost, base_url: str = "http://127.0.0.1:8000") -> Inventory:
    services = [_service(app, entry, base_url) for entry in sorted(app.identities.well_known(), key=lambda e: e.uri)]
    for name, cls in sorted(app.identities.activated_types().items()):
        report = ServiceReport(None, cls, "client-activated", name)
        _operations(report, contract_of(cls))
        services.append(report)
    return Inventory(services, list(app.formatters))


def _service(app: ObjectHost, entry: ServiceEntry, base_url: str) -> ServiceReport:
    contract = entry.contract
    report = ServiceReport(entry.uri, entry.cls, entry.mode.value, clr_name_of(entry.cls).full_name)
    _operations(report, contract)
    for variant in VARIANTS:
        try:
            app.wsdl_cache.get(entry, variant, base_url)
        except Exception as exc:  # a WSDL writer failing on this class: exactly what check is for
            report.errors.append(f"the {variant} WSDL cannot be generated: {type(exc).__name__}: {exc}")
    return report


def _operations(report: ServiceReport, contract: ServiceContract) -> None:
    literal = {op.name for op in literal_operations(contract)}
    for op in sorted(contract.operations.values(), key=lambda o: o.name):
        item = OperationReport(op.signature())
        if op.name not in literal:
            item.notes.append(
                f"only in the Remoting dialect (?wsdl=remoting), not in ?wsdl or ?wsdl=soap12: {_reference(op)} "
                "is an object reference, which document/literal SOAP cannot carry"
            )
        if op.unhinted:
            item.warnings.append(f"{op.name}: no type hint for {op.missing_hints()}: published as Any")
        report.operations.append(item)
    report.unpublished.extend(_unpublished(report.cls, contract))


def _reference(op: Operation) -> str:
    for p in op.parameters:
        if p.wire.kind is Kind.OBJREF:
            return f"parameter {p.name!r}"
    return "the return value"


def _unpublished(cls: type, contract: ServiceContract) -> list[str]:
    """Public members of ``cls`` a caller might expect to call, and why they are not remote."""
    exposed = cls.__dict__.get("__remoting_contract__")
    found: list[str] = []
    for name in sorted(dir(cls)):
        if name.startswith("_") or {name, f"get_{name}", f"set_{name}"} & set(contract.operations):
            continue
        owner = next((k for k in cls.__mro__ if name in k.__dict__), None)
        if owner is None or owner is object or owner.__dict__.get(INFRASTRUCTURE_MARKER, False):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, staticmethod):
            found.append(f"{name}: a static method (only instance methods are remote)")
        elif isinstance(raw, classmethod):
            found.append(f"{name}: a class method (only instance methods are remote)")
        elif inspect.isfunction(raw) and isinstance(exposed, type):
            found.append(f"{name}: not part of the declared contract {exposed.__name__}")
        elif not inspect.isfunction(raw) and not isinstance(raw, property):
            found.append(f"{name}: a plain attribute (only methods and properties are remote)")
    return found
