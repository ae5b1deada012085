""".NET's own exceptions (``gateway.model.dotnet_exceptions``) through the gateway, Python on both sides.

A service that raises ``ArgumentException("bad", param_name="name")`` (a declared type) reaches every
caller with its message, members and HRESULT, whatever customErrors says; our client raises it as the same
class, which is also a ``ValueError``. A service that raises Python's own ``ValueError("secret")`` has raised
an undeclared exception: hidden behind customErrors ``On`` (the default), sent as .NET's
``ArgumentException`` only where details may be shown (``Off``, ``RemoteOnly`` to a local caller).
The same against real Mono: ``tests/interop/test_mono_dotnet_types.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from examples.dotnet_types import DOTNET_KINDS, IDotnetService, register
from gateway import (
    AccessDeniedError,
    ArgumentException,
    ArgumentNullException,
    ArgumentOutOfRangeException,
    ArithmeticException,
    AsyncRemotingClient,
    CustomErrorsMode,
    DivideByZeroException,
    FormatException,
    InvalidOperationException,
    IOException,
    KeyNotFoundException,
    NotImplementedException,
    NotSupportedException,
    OverflowException,
    RemotingApp,
    RemotingClient,
    RemotingError,
    SystemException,
    TimeoutException,
    UnauthorizedAccessException,
)
from gateway.model.activation import runtime_registry
from gateway.model.dotnet_exceptions import DOTNET_EXCEPTIONS, PYTHON_TO_DOTNET, as_dotnet_exception
from gateway.server.faults import HIDDEN_ERROR_MESSAGE
from soap import (
    COR_E_EXCEPTION,
    VOID,
    BinaryFormatter,
    Fault,
    MethodCall,
    RemotingSoapFormatter,
    TypeRegistry,
    clr_name_of,
    exception_info,
    serializable,
    wire_type,
)
from tests.support.server import live_server

FORMATTERS = ["soap", "binary"]
#: every class: (CLR name, HRESULT as .NET Framework and Mono send it, the Python built-in it also is)
EXPECTED: dict[type[SystemException], tuple[str, int, type[BaseException]]] = {
    SystemException: ("System.SystemException", -2146233087, Exception),
    ArgumentException: ("System.ArgumentException", -2147024809, ValueError),
    ArgumentNullException: ("System.ArgumentNullException", -2147467261, ValueError),
    ArgumentOutOfRangeException: ("System.ArgumentOutOfRangeException", -2146233086, IndexError),
    InvalidOperationException: ("System.InvalidOperationException", -2146233079, Exception),
    NotSupportedException: ("System.NotSupportedException", -2146233067, Exception),
    NotImplementedException: ("System.NotImplementedException", -2147467263, NotImplementedError),
    KeyNotFoundException: ("System.Collections.Generic.KeyNotFoundException", -2146232969, KeyError),
    FormatException: ("System.FormatException", -2146233033, ValueError),
    ArithmeticException: ("System.ArithmeticException", -2147024362, ArithmeticError),
    OverflowException: ("System.OverflowException", -2146233066, OverflowError),
    DivideByZeroException: ("System.DivideByZeroException", -2147352558, ZeroDivisionError),
    TimeoutException: ("System.TimeoutException", -2146233083, TimeoutError),
    UnauthorizedAccessException: ("System.UnauthorizedAccessException", -2147024891, PermissionError),
    IOException: ("System.IO.IOException", -2146232800, OSError),
}


# ------------------------------------------------------------------ the classes


def test_every_class_has_its_clr_name_hresult_and_python_base() -> None:
    assert set(EXPECTED) == set(DOTNET_EXCEPTIONS)
    for cls, (name, hresult, builtin) in EXPECTED.items():
        assert clr_name_of(cls).full_name == name and clr_name_of(cls).assembly == "mscorlib"
        assert cls.hresult == hresult and issubclass(cls, builtin) and issubclass(cls, SystemException)
        info = exception_info(cls("m"), runtime_registry(TypeRegistry()), None)
        assert (info.type_name, info.hresult, info.message) == (name, hresult, "m")


def test_default_messages_are_dotnets() -> None:
    assert str(ArgumentNullException(param_name="x")) == "Value cannot be null."
    assert str(KeyNotFoundException()) == "The given key was not present in the dictionary."
    assert str(KeyNotFoundException("plain")) == "plain"  # not KeyError's repr


def test_argument_members() -> None:
    exc = ArgumentOutOfRangeException("too big", param_name="n", actual_value=42)
    assert (exc.param_name, exc.ParamName, exc.actual_value, exc.ActualValue) == ("n", "n", 42, 42)
    fields = exception_info(exc, runtime_registry(TypeRegistry()), None).fields
    assert [(name, value) for name, value, _ in fields] == [("ParamName", "n"), ("ActualValue", 42)]
    # .NET's deserialising constructor reads ParamName: it travels even when None
    assert [name for name, _, _ in exception_info(ArgumentException("x"), TypeRegistry(), None).fields] == [
        "ParamName"]


def test_access_denied_error_is_unauthorized_access_exception() -> None:
    assert AccessDeniedError is UnauthorizedAccessException
    assert isinstance(AccessDeniedError("no"), PermissionError)


def test_a_registry_of_its_own_has_them_too() -> None:
    registry = runtime_registry(TypeRegistry())
    assert registry.lookup("System.ArgumentException") is ArgumentException
    assert registry.is_registered(IOException)


def test_a_user_exception_keeps_the_default_hresult_and_a_subclass_inherits_it() -> None:
    registry = TypeRegistry()

    @serializable("Shop.OutOfStock", "Shop", registry=registry)
    class OutOfStock(Exception):
        pass

    @serializable("Shop.BadSku", "Shop", registry=registry)
    class BadSku(ArgumentException):
        pass

    assert exception_info(OutOfStock("x"), registry, None).hresult == COR_E_EXCEPTION
    info = exception_info(BadSku("x", param_name="sku"), registry, None)
    assert (info.type_name, info.hresult, info.fields[0][:2]) == ("Shop.BadSku", ArgumentException.hresult,
                                                                  ("ParamName", "sku"))  # fmt: skip


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ValueError("v"), ArgumentException), (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), ArgumentException),
        (IndexError("i"), ArgumentOutOfRangeException), (KeyError("k"), KeyNotFoundException),
        (NotImplementedError("n"), NotImplementedException), (ZeroDivisionError("z"), DivideByZeroException),
        (OverflowError("o"), OverflowException), (FloatingPointError("f"), ArithmeticException),
        (TimeoutError("t"), TimeoutException), (PermissionError("p"), UnauthorizedAccessException),
        (FileNotFoundError(2, "gone", "f.txt"), IOException), (ConnectionResetError("c"), IOException),
        (TypeError("t"), None), (RuntimeError("r"), None), (AttributeError("a"), None), (Exception("e"), None),
    ],
)
def test_python_to_dotnet_mapping(raised: BaseException, expected: type[SystemException] | None) -> None:
    converted = as_dotnet_exception(raised)
    if expected is None:
        assert converted is None
        return
    assert type(converted) is expected
    assert str(converted) == (
        "The given key 'k' was not present in the dictionary." if isinstance(raised, KeyError) else str(raised)
    )
    assert set(PYTHON_TO_DOTNET.values()) <= set(DOTNET_EXCEPTIONS)


# ------------------------------------------------------------------ through a real server


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    with live_server("examples.dotnet_types:app") as hidden, live_server("examples.dotnet_types:app_details") as shown:
        yield {"hidden": hidden, "details": shown}


def service(client: RemotingClient, base: str, formatter: str) -> Any:
    return client.get_object(IDotnetService, base + ("DotnetService.rem" if formatter == "binary" else
                                                     "DotnetService.soap"))  # fmt: skip


@pytest.mark.parametrize("formatter", FORMATTERS)
@pytest.mark.parametrize("kind", sorted(set(DOTNET_KINDS) - {"RemotingException"}))
def test_declared_dotnet_exceptions_reach_our_client_as_themselves(urls: dict[str, str], kind: str,
                                                                   formatter: str) -> None:  # fmt: skip
    with RemotingClient(formatter=formatter) as client:
        svc = service(client, urls["hidden"], formatter)  # customErrors On: declared ones still go through
        with pytest.raises(SystemException) as caught:
            svc.Throw(kind, f"bad {kind}")
    exc = caught.value
    assert type(exc).__name__ == kind and str(exc) == f"bad {kind}"
    assert isinstance(exc, EXPECTED[type(exc)][2])
    if isinstance(exc, ArgumentException):
        assert exc.param_name == "name"
    if isinstance(exc, ArgumentOutOfRangeException):
        assert exc.actual_value == 42


THROW = MethodCall("Throw", "http://schemas.microsoft.com/clr/nsassem/DotnetInterop.IDotnetService/DotnetShared",
                   ["ArgumentNullException", "m"], ["kind", "message"], [wire_type(str), wire_type(str)])


@pytest.mark.parametrize("formatter", FORMATTERS)
def test_the_hresult_goes_on_the_wire(urls: dict[str, str], formatter: str) -> None:
    registry = runtime_registry(TypeRegistry())
    wire: BinaryFormatter | RemotingSoapFormatter = (
        BinaryFormatter(registry) if formatter == "binary" else RemotingSoapFormatter(registry)
    )
    request = wire.write_request(THROW)
    uri = "DotnetService.rem" if formatter == "binary" else "DotnetService.soap"
    r = httpx.post(urls["hidden"] + uri, content=request.body, headers=request.headers)
    fault = wire.read_response(r.content, "Throw", VOID)
    assert isinstance(fault, Fault) and fault.exception is not None
    assert (fault.exception.type_name, fault.exception.hresult) == ("System.ArgumentNullException", -2147467261)
    if formatter == "soap":
        assert b"<HResult>-2147467261</HResult>" in r.content


PYTHON_KINDS = {
    "ValueError": ArgumentException, "KeyError": KeyNotFoundException, "IndexError": ArgumentOutOfRangeException,
    "NotImplementedError": NotImplementedException, "TimeoutError": TimeoutException,
    "PermissionError": UnauthorizedAccessException, "ZeroDivisionError": DivideByZeroException,
    "OverflowError": OverflowException, "OSError": IOException,
}  # fmt: skip


@pytest.mark.parametrize("mode", ["hidden", "details"])
@pytest.mark.parametrize("formatter", FORMATTERS)
@pytest.mark.parametrize("kind", sorted(PYTHON_KINDS))
def test_pythons_own_exceptions_follow_custom_errors(urls: dict[str, str], kind: str, formatter: str,
                                                     mode: str) -> None:  # fmt: skip
    """customErrors On: hidden like any undeclared exception; Off: as the .NET exception it maps to."""
    with RemotingClient(formatter=formatter) as client, pytest.raises((RemotingError, SystemException)) as caught:
        service(client, urls[mode], formatter).Throw(kind, "secret")
    exc = caught.value
    if mode == "hidden":
        assert isinstance(exc, RemotingError) and not isinstance(exc, SystemException)
        assert "secret" not in str(exc) and HIDDEN_ERROR_MESSAGE in exc.message
    else:
        assert type(exc) is PYTHON_KINDS[kind] and "secret" in str(exc)


@pytest.mark.parametrize("formatter", FORMATTERS)
def test_an_unmapped_python_exception_stays_system_exception(urls: dict[str, str], formatter: str) -> None:
    with RemotingClient(formatter=formatter) as client, pytest.raises(RemotingError) as caught:
        service(client, urls["details"], formatter).Throw("TypeError", "details")
    assert caught.value.remote_type == "System.Exception" and "TypeError: details" in caught.value.message


def test_remote_only_maps_only_for_local_callers() -> None:
    app = register(RemotingApp(formatters=("soap", "binary"), custom_errors=CustomErrorsMode.RemoteOnly))

    async def throw(peer: tuple[str, int]) -> BaseException:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=peer))  # type: ignore[arg-type]
        async with AsyncRemotingClient(http_client=http) as client:
            svc = client.get_object(IDotnetService, "http://testserver/DotnetService.soap")
            try:
                await svc.Throw("ValueError", "secret")
            except Exception as exc:
                return exc
        raise AssertionError("no exception")

    local = asyncio.run(throw(("127.0.0.1", 5000)))
    remote = asyncio.run(throw(("203.0.113.9", 5000)))
    assert isinstance(local, ArgumentException) and str(local) == "secret"
    assert isinstance(remote, RemotingError) and "secret" not in str(remote)
