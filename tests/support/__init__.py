"""Helpers shared by the integration and interop tests (peers, live servers)."""
