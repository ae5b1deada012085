"""Unit tests of gateway.server, one file per module."""
