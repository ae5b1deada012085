"""Test suite (a package, so that tests/soap and tests/gateway do not shadow the real soap and gateway packages)."""
