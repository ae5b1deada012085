"""The client runtime: clients and transparent proxies, the channel core, transports, client sinks,
client-side marshalling and activation, and the callback listener (the server half of a client)."""
