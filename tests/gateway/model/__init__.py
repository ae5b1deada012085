"""Unit tests of gateway.model, one file per module."""
