"""Tests of configuration files: TOML, .NET App.config, GATEWAY_* variables, the generated reference."""
