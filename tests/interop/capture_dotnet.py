"""Capture what Mono itself puts on the wire for the .NET-types contract (``csharp/dotnet/``).

    python tests/interop/capture_dotnet.py

runs ``DotnetClient.exe`` against ``DotnetServer.exe`` (both Mono, ``dotnet_build``) through the shared
peers' logging proxy (``../shared/peers/mono/tools/tap.py``), once with the SOAP formatter and once with the
binary one (groups arrays, text and exceptions), and writes the bodies of every exchange, bytes unchanged
(HTTP headers and the interim ``100 Continue`` stripped), to ``tests/fixtures/mono_dotnet/``::

    soap/NNN_<Method>.request.xml    soap/NNN_<Method>.response.xml
    binary/NNN_<Method>.request.bin  binary/NNN_<Method>.response.bin

``tests/soap/test_mono_dotnet_captures.py`` reads them. Everything listens on 127.0.0.1; every process
started here is stopped by its PID.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from tests.interop import dotnet_build  # noqa: E402
from tests.support.server import free_port, port_accepts, stop_process, wait_for_ready  # noqa: E402

TAP = REPO.parent / "shared" / "peers" / "mono" / "tools" / "tap.py"
FIXTURES = REPO / "tests" / "fixtures" / "mono_dotnet"


def http_body(raw: bytes) -> bytes:
    """The body of one HTTP/1.1 message with Content-Length, after any interim 1xx responses."""
    while True:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("no end of headers")
        status = head.split(b"\r\n", 1)[0]
        if status.startswith(b"HTTP/1.1 1"):
            raw = rest
            continue
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return rest[: int(value)]
        return rest


def capture(build: dotnet_build.DotnetBuild, server_port: int, binary: bool, out: Path) -> None:
    tap_port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        tap = subprocess.Popen(
            [sys.executable, str(TAP), "--listen", f"127.0.0.1:{tap_port}", "--target", f"127.0.0.1:{server_port}",
             "--out", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not port_accepts(tap_port):
                if time.monotonic() > deadline:
                    raise RuntimeError("tap.py did not listen")
                time.sleep(0.05)
            uri = "DotnetService.rem" if binary else "DotnetService.soap"
            cmd = ["mono", str(build.client_exe), f"http://127.0.0.1:{tap_port}/{uri}",
                   "--group", "arrays", "--group", "text", "--group", "exceptions", *(["--binary"] if binary else [])]
            proc = subprocess.run(cmd, cwd=build.bin_dir, capture_output=True, text=True, timeout=300, check=False)
            print(proc.stdout.strip().splitlines()[-1])
            time.sleep(0.5)  # the tap writes an exchange once the response is complete
        finally:
            stop_process(tap)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        suffix = ".bin" if binary else ".xml"
        for raw in sorted((Path(tmp) / "raw").iterdir()):
            kind = raw.suffix  # ".request" / ".response"
            (out / f"{raw.stem}{kind}{suffix}").write_bytes(http_body(raw.read_bytes()))


def main() -> None:
    build = dotnet_build.build()
    port = free_port()
    server = subprocess.Popen(["mono", str(build.server_exe), str(port)], cwd=build.bin_dir,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_ready(server, "DotnetServer.exe", 30)
        capture(build, port, False, FIXTURES / "soap")
        capture(build, port, True, FIXTURES / "binary")
    finally:
        stop_process(server)
    print(f"captures in {FIXTURES}")


if __name__ == "__main__":
    main()
