"""An application from a validated configuration: every section's options, one ``RemotingApp``, then every
section's registrations, in declaration order."""

from __future__ import annotations

from ..server.app import RemotingApp
from .load import GatewayConfig
from .options import AppOptions
from .schema import SECTIONS, ConfigError


def build_app(config: GatewayConfig) -> RemotingApp:
    """The ``RemotingApp`` ``config`` describes; a registration the app refuses is a :class:`ConfigError`
    naming the entry that asked for it."""
    options = AppOptions()
    for spec in SECTIONS:
        config.sections[spec.name].app_options(options)
    try:
        app = options.build()
    except ValueError as exc:  # e.g. a formatter the runtime does not know
        raise ConfigError([f"{config.source or 'configuration'}: {exc}"]) from None
    errors: list[str] = []
    for spec in SECTIONS:
        try:
            config.sections[spec.name].configure_app(app)
        except ConfigError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ConfigError(errors)
    return app
