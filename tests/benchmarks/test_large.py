"""bench_large.py's requests and response checks, in process: every server app of the benchmark answers each
case so that the check passes, and a wrong answer fails it (so "every response checked" means something)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the script imports the runner as ``_harness``, as when run directly

import bench_large  # noqa: E402

from benchmarks import bare_large_app, large_app  # noqa: E402

CASES = bench_large.cases()


def _post(app: Any, dialect: str, case: bench_large.Case) -> httpx.Response:
    wire = bench_large.request(dialect, case.method, case.args)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(bench_large.PATH, content=wire.body, headers=wire.headers)

    return asyncio.run(go())


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
@pytest.mark.parametrize("dialect", bench_large.DIALECTS)
def test_the_gateway_and_the_bare_app_pass_every_check(dialect: str, case: bench_large.Case) -> None:
    check = bench_large.checker(dialect, case)
    servers = [large_app.app]
    if bench_large.serves("bare", dialect, case):
        servers.append(bare_large_app.app)
    for app in servers:
        response = _post(app, dialect, case)
        assert response.status_code == 200, response.text[:300]
        assert check(response.content) == "", app


@pytest.mark.parametrize("dialect", bench_large.DIALECTS)
def test_a_wrong_answer_fails_the_check(dialect: str) -> None:
    strings, items = (next(c for c in CASES if c.key == key) for key in ("strings-return", "items-return"))
    answer = _post(large_app.app, dialect, strings).content
    assert bench_large.checker(dialect, items)(answer)
    assert bench_large.checker(dialect, strings)(answer.replace(b"string number 999", b"string number 998"))
