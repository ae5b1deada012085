"""The SOAP action a request names (SOAP 1.1's ``SOAPAction`` header, SOAP 1.2's ``action`` media type
parameter), checked against the call its Body makes: a request whose action names one method and whose
Body calls another is refused, so that nothing in front of the server (a proxy or firewall routing or
allowing by SOAPAction, an access log) sees one call while another runs.

* **Remoting SOAP.** .NET Framework's SoapServerFormatterSink checks the action against the method the
  Body calls (``SoapServices.IsSoapActionValidForMethodBase``) and refuses a mismatch with "Soap action
  ... is not valid for the method being called"; Mono's sink ignores it. We follow .NET: an action of
  .NET's form ``namespace#method`` must name the Body's method, and its namespace, when it is a CLR one
  (it names a type), the Body's. An action of another form names no .NET method and is not checked.
* **Document/literal.** An action must name the Body's operation: the WSDL's ``soapAction`` or any action
  whose last segment (after ``/``, ``#`` or ``:``) is the operation's name. One that names another
  operation, or none of the service's, is refused, as WCF refuses an action no operation has
  (``ActionNotSupported``) and ASMX one it does not recognize.

An absent or empty action is not checked (SOAP 1.1 lets ``""`` mean "the request URI"; SOAP 1.2's action is
optional). Only the request's own strings are compared: a few string operations per call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

from soap import IncomingCall
from wsdl import Operation, ServiceContract, soap_action

from ..model.errors import ClientRequestError

_CLR_NAMESPACE = "http://schemas.microsoft.com/clr/"
_ACTION_PARAMETER = re.compile(r';\s*action\s*=\s*("[^"]*"|[^;\s]*)', re.IGNORECASE)
_LAST_SEGMENT = re.compile(r"[/#:]")
#: (action, method, namespace) found valid: a client sends the same few again and again, so the check is a
#: set lookup after the first call (bounded: callers choose these strings)
_VALID_METHOD_ACTIONS: set[tuple[str, str, str]] = set()


def requested_action(headers: Mapping[str, str]) -> str:
    """The action the request names, without its quotes: SOAP 1.2's ``action`` parameter for an
    ``application/soap+xml`` request, else the ``SOAPAction`` header ("" for none)."""
    content_type = headers.get("content-type", "")
    if content_type[:20].lower().startswith("application/soap+xml"):
        found = _ACTION_PARAMETER.search(content_type)
        action = found.group(1) if found else ""
    else:
        action = headers.get("soapaction", "")
    action = action.strip()
    if len(action) >= 2 and action[0] == action[-1] == '"':
        action = action[1:-1]
    return action


def check_soap_action(action: str, incoming: IncomingCall, contract: ServiceContract, op: Operation) -> None:
    """Refuse (:class:`ClientRequestError`, a Client fault) an ``action`` that names another call than the
    Body's; ``op`` is the operation the Body resolved to."""
    if not action:
        return
    if incoming.overloadable:  # the call names a .NET method: the Remoting dialect
        seen = (action, incoming.method_name, incoming.namespace)
        if seen not in _VALID_METHOD_ACTIONS:
            _check_method(action, incoming)
            if len(_VALID_METHOD_ACTIONS) < 256:
                _VALID_METHOD_ACTIONS.add(seen)
    elif action != soap_action(contract.literal_namespace, op.key):
        _check_operation(action, contract, op)


def _check_method(action: str, incoming: IncomingCall) -> None:
    namespace, sep, method = unquote(action).rpartition("#")
    if not sep:
        return  # not .NET's namespace#method: it names no method
    if method != incoming.method_name or (
        namespace.startswith(_CLR_NAMESPACE) and namespace != unquote(incoming.namespace)
    ):
        raise ClientRequestError(
            f"SOAPAction {action[:200]!r} is not valid for the method being called: it names {method[:100]!r} "
            f"of {namespace[:200]!r}, the Body calls {incoming.method_name!r} of {incoming.namespace[:200]!r}"
        )


def _check_operation(action: str, contract: ServiceContract, op: Operation) -> None:
    tail = _LAST_SEGMENT.split(action)[-1]
    if tail in (op.key, op.name):
        return
    tns = contract.literal_namespace
    named = next((other for other in contract.operations.values()
                  if action == soap_action(tns, other.key) or tail in (other.key, other.name)), None)
    what = f"operation {named.key!r}" if named is not None else "no operation of this service"
    raise ClientRequestError(
        f"SOAP action {action[:200]!r} names {what}, but the Body calls {op.key!r}"
    )
