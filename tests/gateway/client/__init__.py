"""Unit tests of gateway.client, one file per module."""
