""".NET's own exceptions (mscorlib's), as Python exceptions both sides understand.

Each class carries the CLR name, the members .NET's deserialising constructor reads (``ParamName`` for the
``Argument*`` family, ``ActualValue`` for ``ArgumentOutOfRangeException``) and the HRESULT the CLR's own
exception of that kind carries, so a .NET client catches a ``raise ArgumentException("bad name",
param_name="name")`` as ``System.ArgumentException`` with ``ParamName == "name"``. Each is also the Python
built-in exception it corresponds to, so Python callers catch them the Python way::

    .NET (mscorlib)                         Python class here                 also a Python ...
    System.SystemException                  SystemException                   Exception
    System.ArgumentException                ArgumentException                 ValueError
    System.ArgumentNullException            ArgumentNullException             ValueError
    System.ArgumentOutOfRangeException      ArgumentOutOfRangeException       ValueError, IndexError
    System.InvalidOperationException        InvalidOperationException         -
    System.NotSupportedException            NotSupportedException             -
    System.NotImplementedException          NotImplementedException           NotImplementedError
    System.Collections.Generic.KeyNotFoundException  KeyNotFoundException     KeyError
    System.FormatException                  FormatException                   ValueError
    System.ArithmeticException              ArithmeticException               ArithmeticError
    System.OverflowException                OverflowException                 OverflowError
    System.DivideByZeroException            DivideByZeroException             ZeroDivisionError
    System.TimeoutException                 TimeoutException                  TimeoutError
    System.UnauthorizedAccessException      UnauthorizedAccessException       PermissionError
    System.IO.IOException                   IOException                       OSError
    System.Runtime.Remoting.RemotingException  gateway.RemotingException      (the gateway's own; see errors.py)

They are registered by-value types (declared exceptions): raised by a service they always reach the caller
with their message and members, whatever the customErrors mode; a client raises a fault carrying one of
them as this class.

Python's own exceptions are *not* declared: a ``ValueError("secret")`` raised by a service is still an
undeclared exception, hidden behind customErrors ``On`` (the default) like any other. Where details may be
shown (``Off``, or ``RemoteOnly`` to a local caller) it travels as the .NET exception :data:`PYTHON_TO_DOTNET`
maps it to (the nearest class in its MRO), with its message and stack trace, so a .NET caller catches
``ArgumentException`` rather than a bare ``System.Exception``::

    ValueError -> ArgumentException            KeyError -> KeyNotFoundException
    IndexError -> ArgumentOutOfRangeException  NotImplementedError -> NotImplementedException
    TimeoutError -> TimeoutException           PermissionError -> UnauthorizedAccessException
    ZeroDivisionError -> DivideByZeroException OverflowError -> OverflowException
    ArithmeticError -> ArithmeticException     OSError -> IOException

Anything else (``TypeError``, ``RuntimeError``, ``AttributeError`` ...: in a service these are bugs more
often than answers) stays ``System.Exception``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from soap import (
    COR_E_ARGUMENT,
    COR_E_ARGUMENTOUTOFRANGE,
    COR_E_ARITHMETIC,
    COR_E_DIVIDEBYZERO,
    COR_E_FORMAT,
    COR_E_INVALIDOPERATION,
    COR_E_IO,
    COR_E_KEYNOTFOUND,
    COR_E_NOTSUPPORTED,
    COR_E_OVERFLOW,
    COR_E_SYSTEM,
    COR_E_TIMEOUT,
    COR_E_UNAUTHORIZEDACCESS,
    E_NOTIMPL,
    E_POINTER,
    clr_type,
    serializable,
)

MSCORLIB = "mscorlib"

_E = TypeVar("_E", bound=type[BaseException])

#: Every class here, registered into each runtime registry (:func:`gateway.model.activation.runtime_registry`)
#: as well as :data:`soap.DEFAULT_REGISTRY`, so that an application with a registry of its own has them too.
DOTNET_EXCEPTIONS: list[type[BaseException]] = []


def _mscorlib(full_name: str) -> Callable[[_E], _E]:
    """The CLR identity of one of mscorlib's exceptions, registered as a by-value (declared) type."""

    def decorate(cls: _E) -> _E:
        clr_type(full_name, MSCORLIB)(cls)
        serializable(full_name, MSCORLIB)(cls)
        DOTNET_EXCEPTIONS.append(cls)
        return cls

    return decorate


@_mscorlib("System.SystemException")
class SystemException(Exception):
    """``System.SystemException``: the base of the runtime's own exceptions.

    ``hresult`` is the HRESULT the exception carries on the wire; ``default_message`` is .NET's message
    for an exception created without one.
    """

    hresult = COR_E_SYSTEM
    default_message = "System error."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)


@_mscorlib("System.ArgumentException")
class ArgumentException(SystemException, ValueError):
    """``System.ArgumentException``: an argument is not valid; ``param_name`` names it (``ParamName``)."""

    hresult = COR_E_ARGUMENT
    default_message = "Value does not fall within the expected range."
    ParamName: str | None = None

    def __init__(self, message: str | None = None, *, param_name: str | None = None) -> None:
        super().__init__(message)
        self.ParamName = param_name

    @property
    def param_name(self) -> str | None:
        return self.ParamName


@_mscorlib("System.ArgumentNullException")
class ArgumentNullException(ArgumentException):
    """``System.ArgumentNullException``: an argument is None where it may not be."""

    hresult = E_POINTER
    default_message = "Value cannot be null."


@_mscorlib("System.ArgumentOutOfRangeException")
class ArgumentOutOfRangeException(ArgumentException, IndexError):
    """``System.ArgumentOutOfRangeException``: an argument outside its range; ``actual_value``
    (``ActualValue``) is the value, when given (a primitive or a string: it travels as ``object``)."""

    hresult = COR_E_ARGUMENTOUTOFRANGE
    default_message = "Specified argument was out of the range of valid values."
    ActualValue: object = None

    def __init__(
        self, message: str | None = None, *, param_name: str | None = None, actual_value: object = None
    ) -> None:
        super().__init__(message, param_name=param_name)
        self.ActualValue = actual_value

    @property
    def actual_value(self) -> object:
        return self.ActualValue


@_mscorlib("System.InvalidOperationException")
class InvalidOperationException(SystemException):
    """``System.InvalidOperationException``: the call is not valid in the object's current state."""

    hresult = COR_E_INVALIDOPERATION
    default_message = "Operation is not valid due to the current state of the object."


@_mscorlib("System.NotSupportedException")
class NotSupportedException(SystemException):
    """``System.NotSupportedException``: the operation is not supported (by design, not yet)."""

    hresult = COR_E_NOTSUPPORTED
    default_message = "Specified method is not supported."


@_mscorlib("System.NotImplementedException")
class NotImplementedException(SystemException, NotImplementedError):
    """``System.NotImplementedException``: the method is not implemented."""

    hresult = E_NOTIMPL
    default_message = "The method or operation is not implemented."


@_mscorlib("System.Collections.Generic.KeyNotFoundException")
class KeyNotFoundException(SystemException, KeyError):
    """``System.Collections.Generic.KeyNotFoundException``: no entry with that key."""

    hresult = COR_E_KEYNOTFOUND
    default_message = "The given key was not present in the dictionary."

    def __str__(self) -> str:  # the message as it is, not KeyError's repr of its key
        return BaseException.__str__(self)


@_mscorlib("System.FormatException")
class FormatException(SystemException, ValueError):
    """``System.FormatException``: a string is not in the format expected (what ``int("x")`` reports)."""

    hresult = COR_E_FORMAT
    default_message = "One of the identified items was in an invalid format."


@_mscorlib("System.ArithmeticException")
class ArithmeticException(SystemException, ArithmeticError):
    """``System.ArithmeticException``: the base of the arithmetic errors."""

    hresult = COR_E_ARITHMETIC
    default_message = "Overflow or underflow in the arithmetic operation."


@_mscorlib("System.OverflowException")
class OverflowException(ArithmeticException, OverflowError):
    """``System.OverflowException``: a result does not fit its type."""

    hresult = COR_E_OVERFLOW
    default_message = "Arithmetic operation resulted in an overflow."


@_mscorlib("System.DivideByZeroException")
class DivideByZeroException(ArithmeticException, ZeroDivisionError):
    """``System.DivideByZeroException``: a division by zero."""

    hresult = COR_E_DIVIDEBYZERO
    default_message = "Attempted to divide by zero."


@_mscorlib("System.TimeoutException")
class TimeoutException(SystemException, TimeoutError):
    """``System.TimeoutException``: an operation ran out of time."""

    hresult = COR_E_TIMEOUT
    default_message = "The operation has timed out."


@_mscorlib("System.UnauthorizedAccessException")
class UnauthorizedAccessException(SystemException, PermissionError):
    """``System.UnauthorizedAccessException``: the caller may not do this (also what authorization rules
    raise: :data:`gateway.AccessDeniedError` is this class)."""

    hresult = COR_E_UNAUTHORIZEDACCESS
    default_message = "Attempted to perform an unauthorized operation."


@_mscorlib("System.IO.IOException")
class IOException(SystemException, OSError):
    """``System.IO.IOException``: an I/O error."""

    hresult = COR_E_IO
    default_message = "I/O error occurred."


#: Python's built-in exceptions and the .NET exception each travels as where details may be shown (the
#: nearest entry in the raised exception's MRO wins: a ``FileNotFoundError`` is an ``OSError``).
PYTHON_TO_DOTNET: dict[type[BaseException], type[SystemException]] = {
    ValueError: ArgumentException,
    IndexError: ArgumentOutOfRangeException,
    KeyError: KeyNotFoundException,
    NotImplementedError: NotImplementedException,
    ZeroDivisionError: DivideByZeroException,
    OverflowError: OverflowException,
    ArithmeticError: ArithmeticException,
    TimeoutError: TimeoutException,
    PermissionError: UnauthorizedAccessException,
    OSError: IOException,
}


def as_dotnet_exception(exc: BaseException) -> SystemException | None:
    """The .NET exception a Python built-in exception travels as (:data:`PYTHON_TO_DOTNET`), or None.

    The message is the exception's own text (a ``KeyError``'s says which key, as .NET Core's does).
    """
    for klass in type(exc).__mro__:
        target = PYTHON_TO_DOTNET.get(klass)
        if target is not None:
            if klass is KeyError and len(exc.args) == 1:
                return target(f"The given key {exc.args[0]!r} was not present in the dictionary.")
            return target(str(exc))
    return None


__all__ = [
    "DOTNET_EXCEPTIONS",
    "PYTHON_TO_DOTNET",
    "ArgumentException",
    "ArgumentNullException",
    "ArgumentOutOfRangeException",
    "ArithmeticException",
    "DivideByZeroException",
    "FormatException",
    "IOException",
    "InvalidOperationException",
    "KeyNotFoundException",
    "NotImplementedException",
    "NotSupportedException",
    "OverflowException",
    "SystemException",
    "TimeoutException",
    "UnauthorizedAccessException",
    "as_dotnet_exception",
]
