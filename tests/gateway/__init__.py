"""Tests of the runtime: the ASGI app, the dispatcher, faults and the client channel."""
