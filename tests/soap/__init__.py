"""Tests of the sans-I/O SOAP layer."""
