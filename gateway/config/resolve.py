"""Names in a configuration file that stand for Python classes: ``module:Class``, or a CLR type name.

A .NET configuration file names types the .NET way (``RemotingPeer.HelloServer, PeerServer``); the Python
class that answers to that name is the one that declares it (``@soap.clr_type``, or the name
``soap.clr_name_of`` derives) among the classes of the modules the deployer names (``--module``, or the
``modules`` key). Nothing is imported by a name that came from a file, other than those modules and the
module of an explicit ``module:Class``.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable
from types import ModuleType

from soap import clr_name_of


class ResolveError(ValueError):
    """A name that resolves to no class, or to several (the message says which and what is near)."""


def import_module(name: str) -> ModuleType:
    """Import ``name``; a failure says what went wrong while importing it (a traceback stays out)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise ResolveError(f"no module named {exc.name!r}") from None
        raise ResolveError(f"importing {name!r} failed: {type(exc).__name__}: {exc}") from None
    except Exception as exc:
        raise ResolveError(f"importing {name!r} failed: {type(exc).__name__}: {exc}") from None


def import_object(spec: str) -> object:
    """``package.module:attribute`` (attributes may be dotted) -> the object."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ResolveError(f"{spec!r} is not of the form module:attribute")
    target: object = import_module(module_name)
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ResolveError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return target


def split_clr_name(name: str) -> tuple[str, str | None]:
    """``"Ns.Type, Assembly, Version=..."`` -> ``("Ns.Type", "Assembly")``; no assembly part -> None."""
    full_name, sep, rest = name.partition(",")
    assembly = rest.split(",", 1)[0].strip() if sep else None
    return full_name.strip(), assembly or None


class TypeResolver:
    """Finds the classes that configuration entries name, among the classes of ``modules``."""

    def __init__(self, modules: Iterable[ModuleType] = ()) -> None:
        self.modules = list(modules)

    def module_names(self) -> list[str]:
        return [m.__name__ for m in self.modules]

    def classes(self) -> list[type]:
        """Every class the modules define or import (each once)."""
        seen: dict[int, type] = {}
        for module in self.modules:
            for value in vars(module).values():
                if isinstance(value, type):
                    seen.setdefault(id(value), value)
        return list(seen.values())

    def resolve(self, name: str) -> type:
        """``module:Class`` (imported), or a CLR type name looked up in the modules."""
        if ":" in name:
            target = import_object(name)
            if not isinstance(target, type):
                raise ResolveError(f"{name!r} is {type(target).__name__} {target!r}, not a class")
            return target
        return self.by_clr_name(name)

    def by_clr_name(self, name: str) -> type:
        full_name, assembly = split_clr_name(name)
        if not full_name:
            raise ResolveError(f"{name!r} is not a type name (Namespace.Type, Assembly or module:Class)")
        if not self.modules:
            raise ResolveError(
                f"the CLR type {full_name} is looked up in the modules given with --module (or the modules key), "
                "and none is given"
            )
        classes = self.classes()
        found = [cls for cls in classes if clr_name_of(cls).full_name == full_name]
        where = ", ".join(self.module_names())
        if not found:
            known = sorted({clr_name_of(cls).full_name for cls in classes})
            near = difflib.get_close_matches(full_name, known, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ResolveError(f"no class in {where} declares the CLR type {full_name}{hint}")
        if len(found) > 1:
            names = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in found)
            raise ResolveError(f"the CLR type {full_name} is declared by several classes: {names}")
        cls = found[0]
        declared = clr_name_of(cls).assembly_simple_name
        if assembly is not None and assembly != declared:
            raise ResolveError(
                f"{cls.__module__}.{cls.__qualname__} declares {full_name} in assembly {declared}, "
                f"not {assembly}"
            )
        return cls
