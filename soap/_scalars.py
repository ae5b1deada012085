"""Lexical forms of scalar values: Python value <-> XML text.

Readers are liberal (XSD and .NET spellings both accepted: ``INF`` and ``Infinity``, ``1``/``true``, any
number of fractional second digits); writers produce what the .NET Remoting peer writes, so a Mono client
reads our output exactly as it reads its own.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import math
import re
import struct
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ._types import INTEGER_KINDS, INTEGER_RANGES, Kind, check_integer

# ------------------------------------------------------------------ numbers


def format_double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_single(value: float) -> str:
    """The shortest text that reads back as the same 32-bit float (what .NET's "R" aims for)."""
    if math.isnan(value) or math.isinf(value):
        return format_double(value)
    target = struct.pack("<f", value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        try:
            candidate = struct.pack("<f", float(text))
        except OverflowError:  # a short text can round past FLT_MAX
            continue
        if candidate == target:
            return text.replace("e+", "E+").replace("e-", "E-")
    return repr(value)


_SPECIAL_FLOATS = {
    "NaN": math.nan, "INF": math.inf, "+INF": math.inf, "-INF": -math.inf,
    "Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf,
}


_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_double(text: str) -> float:
    text = text.strip()
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    if len(text) > 400 or not _FLOAT_RE.fullmatch(text):
        raise ValueError(f"not a number: {text[:40]!r}")
    value = float(text)
    if math.isinf(value):  # a finite spelling too large for a double (.NET: OverflowException)
        raise ValueError(f"{text[:40]!r} is out of range for xsd:double")
    return value


#: deletes what a plain number may hold: a text of nothing else is a number ``float`` reads as ``_FLOAT_RE``
#: does (sign, digits, point, exponent; ``float``'s ``inf``, ``nan``, ``_`` and white space are not in it)
_NUMBER_CHARACTERS = str.maketrans("", "", "0123456789+-.eE")


def parse_doubles(texts: list[str]) -> list[float] | None:
    """The doubles of many texts at once, when every one is a plain finite number (no white space, no
    ``INF``/``NaN``, at most 400 characters, as :func:`parse_double` allows): one character check over them
    all, ``float`` in C. None when any is not: the caller then parses them one by one."""
    if not texts:
        return []
    if max(map(len, texts)) > 400 or "".join(texts).translate(_NUMBER_CHARACTERS):
        return None
    try:
        values = list(map(float, texts))
    except ValueError:  # the right characters in a wrong order ("1e", "+-1", "", ".")
        return None
    if math.isinf(max(values)) or math.isinf(min(values)):  # a finite spelling too large for a double
        return None
    return values


def parse_single(text: str) -> float:
    value = parse_double(text)
    if math.isfinite(value):
        if abs(value) >= 3.4028235677973366e38:  # FLT_MAX + half an ulp: rounds to infinity
            raise ValueError(f"{text!r} is out of range for xsd:float")
        value = struct.unpack("<f", struct.pack("<f", value))[0]
    return value


_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: System.Decimal's range: a 96-bit integer scaled by a power of ten
DECIMAL_MAX = Decimal(2**96 - 1)


def format_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent as xsd:decimal")
    if value.copy_abs() > DECIMAL_MAX:
        raise ValueError(f"{value} is out of range for System.Decimal")
    text = format(value, "f")
    return text


def parse_decimal(text: str) -> Decimal:
    """xsd:decimal (no exponent, no NaN or infinity) within the range of .NET's System.Decimal."""
    text = text.strip()
    if len(text) > 100 or not _DECIMAL_RE.fullmatch(text):
        raise ValueError(f"not a decimal: {text[:40]!r}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {text[:40]!r}") from None
    if value.copy_abs() > DECIMAL_MAX:
        raise ValueError(f"{text[:40]!r} is out of range for System.Decimal")
    return value


_INTEGER_RE = re.compile(r"[+-]?[0-9]+")


def parse_integer(kind: Kind, text: str) -> int:
    text = text.strip()
    if not text or len(text) > 40 or not _INTEGER_RE.fullmatch(text):
        raise ValueError(f"not an integer: {text[:40]!r}")
    return check_integer(kind, int(text))


_PLAIN_INTEGERS = re.compile(r"[+-]?[0-9]{1,40}(?:\n[+-]?[0-9]{1,40})*")


def parse_integers(kind: Kind, texts: list[str]) -> list[int] | None:
    """The integers of many array items at once, when every text is a plain one (sign and ASCII digits, no
    white space) in the range of ``kind``: one pattern match over them all, ``int`` in C. None when any is
    not: the caller then parses them one by one, and says which one is wrong."""
    if not texts:
        return []
    if not _PLAIN_INTEGERS.fullmatch("\n".join(texts)):
        return None
    values = list(map(int, texts))
    lo, hi = INTEGER_RANGES[kind]
    if min(values) < lo or max(values) > hi:
        return None
    return values


def parse_bool(text: str) -> bool:
    text = text.strip()
    if text in ("true", "1", "True"):
        return True
    if text in ("false", "0", "False"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


# ------------------------------------------------------------------ date and time

_DATETIME_RE = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,12}))?(Z|[+-]\d\d:\d\d)?$"
)
_DATE_RE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?$")


def _parse_offset(text: str | None) -> _dt.tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return _dt.UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    delta = _dt.timedelta(hours=hours, minutes=minutes)
    return _dt.timezone(sign * delta) if delta else _dt.UTC


class ClrDateTime(_dt.datetime):
    """A ``datetime`` that also carries .NET's 7th fractional digit (100-nanosecond ticks).

    Values read from the wire with a non-zero 7th digit come back as this class so that echoing them keeps
    .NET precision; arithmetic on it yields plain ``datetime`` values (microsecond precision).
    """

    hundred_nanoseconds: int = 0

    @property
    def ticks(self) -> int:
        """.NET ``DateTime.Ticks`` of the wall-clock value (100 ns units since 0001-01-01)."""
        naive = _dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                             self.microsecond)
        delta: _dt.timedelta = naive - _dt.datetime(1, 1, 1)
        return (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10 + self.hundred_nanoseconds


def parse_datetime(text: str) -> _dt.datetime:
    """xsd:dateTime with any number of fractional digits (.NET writes 7; Python keeps microseconds)."""
    m = _DATETIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an xsd:dateTime: {text[:60]!r}")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    digits = (fraction or "0")[:7].ljust(7, "0")
    extra_second = int(second) == 60  # leap second: xsd allows it, Python does not
    args = (int(year), int(month), int(day), int(hour), int(minute), 59 if extra_second else int(second),
            int(digits[:6]))
    tz = _parse_offset(offset)
    if extra_second:
        return _dt.datetime(*args, tzinfo=tz) + _dt.timedelta(seconds=1)
    if digits[6] == "0":
        return _dt.datetime(*args, tzinfo=tz)
    value = ClrDateTime(*args, tzinfo=tz)
    value.hundred_nanoseconds = int(digits[6])
    return value


def format_datetime(value: _dt.datetime) -> str:
    """7 fractional digits like .NET; the offset as ``+HH:MM`` (naive values go out without one)."""
    extra = value.hundred_nanoseconds if isinstance(value, ClrDateTime) else 0
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond:06d}{extra}")
    offset = value.utcoffset()
    if offset is None:
        return text
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    return f"{text}{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def parse_date(text: str) -> _dt.date:
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an xsd:date: {text[:60]!r}")
    return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def format_date(value: _dt.date) -> str:
    return value.isoformat()


_DURATION_RE = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?)?$"
)


def parse_duration(text: str) -> _dt.timedelta:
    """xsd:duration; years and months count as 365 and 30 days, as .NET's SoapDuration does."""
    text = text.strip()
    m = _DURATION_RE.match(text)
    if text in ("P", "-P"):  # strict XSD forbids it, but .NET writes TimeSpan.Zero this way
        return _dt.timedelta(0)
    if not m or text.endswith("T"):
        raise ValueError(f"not an xsd:duration: {text[:60]!r}")
    neg, years, months, days, hours, minutes, seconds, fraction = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    total = _dt.timedelta(
        days=int(years or 0) * 365 + int(months or 0) * 30 + int(days or 0),
        hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0), microseconds=micro,
    )
    return -total if neg else total


def format_duration(value: _dt.timedelta) -> str:
    """``P1DT2H3M4.0050000S`` / ``PT5.0000000S``, the form .NET's SoapDuration writes."""
    neg = value < _dt.timedelta(0)
    if neg:
        value = -value
    days = value.days
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    out = ["-P" if neg else "P"]
    if days:
        out.append(f"{days}D")
    out.append("T")
    if hours:
        out.append(f"{hours}H")
    if minutes:
        out.append(f"{minutes}M")
    out.append(f"{seconds}.{value.microseconds:06d}0S")
    return "".join(out)


# ------------------------------------------------------------------ bytes and chars


def parse_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)  # most peers write it in one line: no copy without the spaces
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def format_base64(value: bytes | bytearray) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def parse_char(text: str) -> str:
    if len(text) != 1:
        raise ValueError(f"a char must be exactly one character, got {len(text)}")
    return text


# ------------------------------------------------------------------ tables

PARSERS: dict[Kind, Callable[[str], object]] = {
    Kind.STRING: str,
    Kind.DOUBLE: parse_double,
    Kind.SINGLE: parse_single,
    Kind.BOOL: parse_bool,
    Kind.DECIMAL: parse_decimal,
    Kind.CHAR: parse_char,
    Kind.DATETIME: parse_datetime,
    Kind.DATE: parse_date,
    Kind.DURATION: parse_duration,
    Kind.BYTES: parse_base64,
}
def _integer_parser(kind: Kind) -> Callable[[str], object]:
    return lambda text: parse_integer(kind, text)


for _kind in INTEGER_KINDS:
    PARSERS[_kind] = _integer_parser(_kind)
#: a declared Python ``int`` is a .NET Int32 (annotate ``soap.Int64`` ... for other widths)
PARSERS[Kind.INT] = PARSERS[Kind.INT32]


def parse_scalar(kind: Kind, text: str) -> object:
    return PARSERS[kind](text)
