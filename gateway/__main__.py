"""``python -m gateway``: the ``remoting-gateway`` command (see :mod:`gateway.cli`)."""

import sys

from .cli import main

sys.exit(main())
