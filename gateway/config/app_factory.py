"""The application factory uvicorn calls in each worker of ``remoting-gateway serve --config``.

uvicorn needs an import string (or a factory) to start more than one worker or to reload; an application
built from a file is a factory: ``create_app`` reads the file named by ``GATEWAY_CONFIG_FILE`` (and the
modules in ``GATEWAY_CONFIG_MODULES``), so every worker builds the same application. It works under any
ASGI server::

    GATEWAY_CONFIG_FILE=gateway.toml uvicorn --factory gateway.config.app_factory:create_app
"""

from __future__ import annotations

import logging
import os

from ..server.app import RemotingApp
from .builder import build_app
from .load import config_from_environment

#: Set by ``serve``, which has printed the notes already (each worker would repeat them).
REPORTED_VARIABLE = "GATEWAY_CONFIG_REPORTED"

log = logging.getLogger("gateway.config")


def create_app() -> RemotingApp:
    config = config_from_environment()
    app = build_app(config)
    if not os.environ.get(REPORTED_VARIABLE):
        for note in config.notes:  # what the file asks for and cannot have is never dropped in silence
            log.warning("%s", note)
    return app
