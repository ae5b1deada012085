"""Every example in one application: what ``scripts/serve.sh`` runs.

    uvicorn examples.all:app

* the .NET Remoting samples (``examples.remoting_samples``): ``/SayHello.soap``, ``/SayHello.rem``,
  ``/SingleCallService.rem``, ``/SingletonService.rem``, ``/FactoryService.rem`` and the client-activated
  ``ClientActivatedObject``;
* the toolkit interop service (``examples.interop``): ``/InteropService.soap``.

``GET /`` lists them with their operations, docs and WSDL links, with a try-it form per document/literal
operation; ``GET /healthz`` answers ``ok`` for load balancers.
"""

from __future__ import annotations

from examples import interop, remoting_samples
from gateway import RemotingApp

app = interop.register(remoting_samples.register(RemotingApp(lifetime=remoting_samples.LIFETIME)))

__all__ = ["app"]
