"""gateway.client.faults: the exception a client raises for a fault, on its own and after the wire."""

from __future__ import annotations

import pytest

from examples.remoting_samples import GreetingException
from gateway import ClientRequestError, CustomErrorsMode, RemotingError, RemotingException
from gateway.client.faults import exception_from_fault
from gateway.server.faults import HIDDEN_ERROR_MESSAGE, fault_for, is_local_caller
from soap import DEFAULT_REGISTRY, VOID, ExceptionInfo, Fault, RemotingSoapFormatter, TypeRegistry

FORMATTER = RemotingSoapFormatter()
REMOTE = "203.0.113.9"


def test_registered_exception_is_raised_as_itself() -> None:
    original = GreetingException("bad greeting", greeting="Hello")
    info = ExceptionInfo("RemotingPeer.GreetingException", "PeerShared", "bad greeting", value=original)
    assert exception_from_fault(Fault("Server", "bad greeting", info)) is original


def test_unregistered_exception_is_a_remoting_error_with_the_remote_details() -> None:
    info = ExceptionInfo("System.IO.IOException", "mscorlib", "disk full", stack_trace="   at Disk.Write()")
    exc = exception_from_fault(Fault("Server", "ignored when the exception has a message", info), 500)
    assert isinstance(exc, RemotingError)
    assert (exc.message, exc.remote_type, exc.remote_stack_trace) == ("disk full", "System.IO.IOException",
                                                                       "   at Disk.Write()")
    assert (exc.fault_code, exc.http_status) == ("Server", 500)
    assert str(exc) == "System.IO.IOException: disk full"


def test_exception_without_a_message_takes_the_faults() -> None:
    info = ExceptionInfo("System.Exception", "mscorlib", None)
    exc = exception_from_fault(Fault("Client", "fault string", info))
    assert isinstance(exc, RemotingError)
    assert exc.message == "fault string" and exc.fault_code == "Client" and exc.http_status is None


def test_fault_without_exception_details() -> None:
    exc = exception_from_fault(Fault("Client", "  Bad request\n", None), 400)
    assert isinstance(exc, RemotingError)
    assert (exc.message, exc.remote_type, exc.fault_code, exc.http_status) == ("Bad request", None, "Client", 400)
    assert str(exc) == "Bad request"


# ------------------------------------------------------------------ server exception -> wire -> client exception


class Undeclared(Exception):
    """Neither registered nor a Python built-in: only its type name and message can travel."""


def over_the_wire(exc: BaseException, mode: CustomErrorsMode, caller: str | None = REMOTE,
                  registry: TypeRegistry = DEFAULT_REGISTRY) -> BaseException:  # fmt: skip
    fault = fault_for(exc, registry, mode, is_local_caller(caller, {}))
    received = RemotingSoapFormatter(registry).read_response(FORMATTER.write_fault(fault), "Call", VOID)
    assert isinstance(received, Fault)
    return exception_from_fault(received, 500)


def test_declared_exception_arrives_with_its_fields_whatever_the_policy() -> None:
    for mode in CustomErrorsMode:
        exc = over_the_wire(GreetingException("no", greeting="Salut"), mode)
        assert isinstance(exc, GreetingException)
        assert (exc.Message, exc.Greeting) == ("no", "Salut")


@pytest.mark.parametrize(
    ("exc", "code"), [(RemotingException("no such thing"), "Server"), (ClientRequestError("bad args"), "Client")]
)
def test_our_own_exceptions_arrive_with_their_message_and_code(exc: RemotingException, code: str) -> None:
    received = over_the_wire(exc, CustomErrorsMode.On)
    assert isinstance(received, RemotingError)
    assert received.remote_type == "System.Runtime.Remoting.RemotingException"
    assert received.message == str(exc)
    assert received.fault_code == code
    assert received.remote_stack_trace is None  # customErrors On: no stack trace


@pytest.mark.parametrize(
    ("mode", "caller", "shown"),
    [
        (CustomErrorsMode.Off, REMOTE, True),
        (CustomErrorsMode.On, "127.0.0.1", False),
        (CustomErrorsMode.RemoteOnly, "127.0.0.1", True),
        (CustomErrorsMode.RemoteOnly, "::1", True),
        (CustomErrorsMode.RemoteOnly, REMOTE, False),
        (CustomErrorsMode.RemoteOnly, None, False),
    ],
)
def test_undeclared_exception_details_follow_custom_errors(
    mode: CustomErrorsMode, caller: str | None, shown: bool
) -> None:
    received = over_the_wire(Undeclared("secret-key"), mode, caller)
    assert isinstance(received, RemotingError)
    if shown:
        assert received.remote_type == "System.Exception"
        assert received.message == "Undeclared: secret-key"
        assert received.remote_stack_trace is not None and "Undeclared" in received.remote_stack_trace
    else:
        assert received.remote_type == "System.Runtime.Remoting.RemotingException"
        assert received.message.startswith(HIDDEN_ERROR_MESSAGE)
        assert "secret-key" not in str(received)
        assert received.remote_stack_trace is None


def test_python_builtin_arrives_as_its_dotnet_exception_where_details_are_shown() -> None:
    shown = over_the_wire(KeyError("k"), CustomErrorsMode.Off)
    assert type(shown).__name__ == "KeyNotFoundException"  # the .NET type, decoded with its fields ...
    assert isinstance(shown, KeyError) and not isinstance(shown, RemotingError)  # ... still a KeyError
    hidden = over_the_wire(KeyError("k"), CustomErrorsMode.On)
    assert isinstance(hidden, RemotingError) and hidden.message.startswith(HIDDEN_ERROR_MESSAGE)


def test_exception_registered_only_on_the_server_is_a_remoting_error_on_the_client() -> None:
    client_side = TypeRegistry()  # knows nothing of GreetingException
    fault = fault_for(GreetingException("no"), DEFAULT_REGISTRY, CustomErrorsMode.On, False)
    received = RemotingSoapFormatter(client_side).read_response(FORMATTER.write_fault(fault), "Call", VOID)
    assert isinstance(received, Fault)
    exc = exception_from_fault(received)
    assert isinstance(exc, RemotingError)
    assert exc.remote_type == "RemotingPeer.GreetingException" and exc.message == "no"
