"""The HRESULT values exceptions carry on the wire (``System.Exception.HResult``).

.NET and Mono compare these numbers, not the type names, in places (and print them in stack traces), so
each one is the exact value the CLR's own exception of that kind carries, kept here under its CLR name
(the names of .NET's ``__HResults``; checked against what Mono 6.8 puts on the wire for each exception).
"""

from __future__ import annotations

#: ``COR_E_EXCEPTION`` (0x80131500): ``System.Exception``'s, and so every user exception's, unless it sets one.
COR_E_EXCEPTION = -2146233088

#: ``COR_E_SYSTEM`` (0x80131501): ``System.SystemException``'s; Mono's ``RemotingException`` keeps it (the
#: captured "No receiver for uri" faults carry it), so the gateway's own infrastructure errors send it too.
COR_E_SYSTEM = -2146233087

#: ``COR_E_ARGUMENT`` = ``E_INVALIDARG`` (0x80070057): ``System.ArgumentException``.
COR_E_ARGUMENT = -2147024809
#: ``E_POINTER`` (0x80004003): ``System.ArgumentNullException``.
E_POINTER = -2147467261
#: ``COR_E_ARGUMENTOUTOFRANGE`` (0x80131502): ``System.ArgumentOutOfRangeException``.
COR_E_ARGUMENTOUTOFRANGE = -2146233086
#: ``COR_E_INVALIDOPERATION`` (0x80131509): ``System.InvalidOperationException``.
COR_E_INVALIDOPERATION = -2146233079
#: ``COR_E_NOTSUPPORTED`` (0x80131515): ``System.NotSupportedException``.
COR_E_NOTSUPPORTED = -2146233067
#: ``E_NOTIMPL`` (0x80004001): ``System.NotImplementedException``.
E_NOTIMPL = -2147467263
#: ``COR_E_KEYNOTFOUND`` (0x80131577): ``System.Collections.Generic.KeyNotFoundException``.
COR_E_KEYNOTFOUND = -2146232969
#: ``COR_E_FORMAT`` (0x80131537): ``System.FormatException``.
COR_E_FORMAT = -2146233033
#: ``COR_E_ARITHMETIC`` (0x80070216): ``System.ArithmeticException``.
COR_E_ARITHMETIC = -2147024362
#: ``COR_E_OVERFLOW`` (0x80131516): ``System.OverflowException``.
COR_E_OVERFLOW = -2146233066
#: ``COR_E_DIVIDEBYZERO`` (0x80020012): ``System.DivideByZeroException``.
COR_E_DIVIDEBYZERO = -2147352558
#: ``COR_E_TIMEOUT`` (0x80131505): ``System.TimeoutException``.
COR_E_TIMEOUT = -2146233083
#: ``COR_E_UNAUTHORIZEDACCESS`` = ``E_ACCESSDENIED`` (0x80070005): ``System.UnauthorizedAccessException``.
COR_E_UNAUTHORIZEDACCESS = -2147024891
#: ``COR_E_IO`` (0x80131620): ``System.IO.IOException``.
COR_E_IO = -2146232800

__all__ = [
    "COR_E_ARGUMENT",
    "COR_E_ARGUMENTOUTOFRANGE",
    "COR_E_ARITHMETIC",
    "COR_E_DIVIDEBYZERO",
    "COR_E_EXCEPTION",
    "COR_E_FORMAT",
    "COR_E_INVALIDOPERATION",
    "COR_E_IO",
    "COR_E_KEYNOTFOUND",
    "COR_E_NOTSUPPORTED",
    "COR_E_OVERFLOW",
    "COR_E_SYSTEM",
    "COR_E_TIMEOUT",
    "COR_E_UNAUTHORIZEDACCESS",
    "E_NOTIMPL",
    "E_POINTER",
]
