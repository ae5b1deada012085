"""The server runtime: the ASGI entry, the sink chain, formatters, dispatch, the identity table,
activation, marshalling, leases and the lease manager, WSDL and help pages, the health probe."""
