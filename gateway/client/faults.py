"""Faults back into exceptions, on the client: the registered type with its fields, else a RemotingError."""

from __future__ import annotations

from soap import Fault

from ..model.errors import RemotingError


def exception_from_fault(fault: Fault, http_status: int | None = None) -> BaseException:
    """The exception a client raises for ``fault``: the decoded exception when its type is registered
    here (with its fields), else a :class:`RemotingError` carrying the remote type, message and code."""
    info = fault.exception
    if info is not None and info.value is not None:
        return info.value
    if info is not None:
        return RemotingError(
            info.message or fault.message,
            remote_type=info.type_name,
            remote_stack_trace=info.stack_trace,
            fault_code=fault.code,
            http_status=http_status,
            fault_subcode=fault.subcode,
        )
    return RemotingError(fault.message.strip(), fault_code=fault.code, http_status=http_status,
                         fault_subcode=fault.subcode)
