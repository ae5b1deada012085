"""Configuration files for the gateway: TOML, or a .NET ``App.config`` unchanged.

:func:`load_config` reads a file (by its extension or first character), lays ``GATEWAY_*`` environment
variables and command-line values over it, and validates everything against the schema
(:mod:`gateway.config.sections`); :func:`build_app` turns the result into a :class:`gateway.RemotingApp`.
The reference of every key is ``docs/configuration.md``, generated from the schema
(``python -m gateway.config.docs --write``).

The package, one concept per module: ``kinds`` (value kinds), ``schema`` (sections, keys, validation),
``sections`` (the declarations), ``toml_loader`` and ``dotnet_loader`` (the two file formats), ``resolve``
(class names), ``load`` (sources and precedence), ``options`` and ``builder`` (the application),
``app_factory`` (uvicorn workers), ``inventory`` (what an application publishes), ``docs`` (the reference).
"""

from .builder import build_app
from .load import GatewayConfig, load_config
from .schema import ConfigError, Section, section, setting

__all__ = ["ConfigError", "GatewayConfig", "Section", "build_app", "load_config", "section", "setting"]
