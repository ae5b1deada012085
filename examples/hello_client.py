"""Calls HelloServer through a transparent proxy, synchronously and with asyncio.

    python -m examples.hello_client [http://127.0.0.1:8000/SayHello.soap] [name]
"""

from __future__ import annotations

import asyncio
import sys

from examples.hello import IHello
from gateway import AsyncRemotingClient, RemotingClient


def main(url: str, name: str) -> None:
    with RemotingClient(timeout=10.0) as client:
        hello = client.get_object(IHello, url)  # no network traffic yet, as with Activator.GetObject
        print(hello.HelloMethod(name))

    async def run_async() -> None:
        async with AsyncRemotingClient(timeout=10.0) as client:
            hello = client.get_object(IHello, url)
            print(await hello.HelloMethod(name + " (async)"))

    asyncio.run(run_async())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/SayHello.soap",
         sys.argv[2] if len(sys.argv) > 2 else "Caveman")
