"""Long-run fuzzing of the three readers and the HTTP entry with atheris (libFuzzer, coverage-guided).

    python fuzz/run.py all --seconds 150          # every target, one after the other, 150 s each
    python fuzz/run.py nrbf --seconds 600         # one target
    python fuzz/run.py nrbf -- -runs=1000000      # extra libFuzzer options after --

Each target runs in its own process (libFuzzer owns the process), seeded with ``fuzz.targets.seeds``,
with ``soap``, ``wsdl`` and ``gateway`` instrumented for coverage. A target input that breaks its rule
(``fuzz/targets.py``), takes longer than ``--timeout`` seconds (a hang), or drives the process above
``--rss-limit-mb`` (runaway memory) stops the run and leaves the input in ``fuzz/findings/``. ``all``
prints one line per target: inputs run, seconds, and OK or what was found; it exits 1 on any finding.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: import the checkout's packages
    sys.path.insert(0, str(ROOT))

NAMES = ("remoting_soap", "literal", "nrbf", "http_entry", "auth_entry", "tcp_frames", "tcp_entry", "tcp_threads",
         "client_entry", "wsdl_stub")
DONE_RE = re.compile(r"Done (\d+) runs in (\d+) second")
MAX_LEN = 16384


def fuzz_one(name: str, seconds: float, timeout: int, rss_limit_mb: int, extra: list[str]) -> None:
    """Fuzz ``name`` in this process (libFuzzer exits it when done)."""
    # imported here: only the fuzzing process needs atheris (``all`` and --help do not), and the targets must
    # be imported under its instrumentation
    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=["soap", "wsdl", "gateway"]):
        from fuzz import targets

    target = targets.TARGETS[name]
    corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    for n, seed in enumerate(targets.seeds(name)):
        (corpus / f"seed-{n}").write_bytes(seed[:MAX_LEN])
    findings = HERE / "findings"
    findings.mkdir(exist_ok=True)

    def one_input(data: bytes) -> None:
        target(data)

    args = [sys.argv[0], str(corpus), f"-max_total_time={int(seconds)}", f"-timeout={timeout}",
            f"-rss_limit_mb={rss_limit_mb}", f"-max_len={MAX_LEN}", f"-artifact_prefix={findings}/{name}-",
            "-print_final_stats=1", *extra]  # fmt: skip
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def fuzz_all(names: list[str], seconds: float, timeout: int, rss_limit_mb: int, extra: list[str]) -> int:
    """Each target in a child process; one summary line each. 1 if any found something."""
    failed = False
    total = 0
    for name in names:
        cmd = [sys.executable, str(Path(__file__).resolve()), name, "--seconds", str(seconds), "--timeout",
               str(timeout), "--rss-limit-mb", str(rss_limit_mb), "--", *extra]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False,
                             timeout=seconds + 300, env={**os.environ, "PYTHONHASHSEED": "0"})  # fmt: skip
        log = out.stdout + out.stderr
        done = DONE_RE.search(log)
        runs = int(done.group(1)) if done else 0
        total += runs
        if out.returncode == 0 and done:
            print(f"{name:14s} {runs:>10,d} inputs in {done.group(2)} s: OK", flush=True)
        else:
            failed = True
            print(f"{name:14s} {runs:>10,d} inputs: FINDING (exit {out.returncode})\n{log[-3000:]}", flush=True)
    print(f"{'total':14s} {total:>10,d} inputs", flush=True)
    return 1 if failed else 0


def main() -> int:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("target", choices=[*NAMES, "all"])
    p.add_argument("--seconds", type=float, default=150.0, help="fuzzing time per target (default 150)")
    p.add_argument("--timeout", type=int, default=10, help="seconds one input may take (a hang) (default 10)")
    p.add_argument("--rss-limit-mb", type=int, default=2048, help="memory limit of the fuzzing process")
    args = p.parse_args(argv)
    if args.target == "all":
        return fuzz_all(list(NAMES), args.seconds, args.timeout, args.rss_limit_mb, extra)
    fuzz_one(args.target, args.seconds, args.timeout, args.rss_limit_mb, extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
