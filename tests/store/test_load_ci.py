"""CI runs the server load benchmark against its own PostgreSQL, at full length, and a missing
server fails it (never a skip)."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

BENCH = REPO / "tests" / "benchmarks" / "test_bench_server_load.py"


def test_the_benchmark_job_runs_the_load_benchmark_on_the_ci_server() -> None:
    run = (REPO / ".ci" / "run").read_text()
    bench_step = run.index("== benchmarks")
    assert run.index("source .ci/pg-up") < bench_step  # SOCMAP_TEST_PG exported before it
    step = run[bench_step:]
    command = re.search(r"python -m pytest[^\n]*tests/benchmarks", step)
    assert command is not None
    before = step[: command.start()]
    assert "${SOCMAP_TEST_PG:?" in before  # no server: the job stops, loudly
    assert "SOCMAP_REQUIRE_PG=1" in before
    # CI runs the full load: 20 analysts for 60 s
    assert re.search(r"SOCMAP_LOAD_SECONDS=60\b", before)
    assert re.search(r"SOCMAP_LOAD_WORKERS=20\b", before)


def test_the_load_benchmark_needs_the_server_and_never_skips() -> None:
    tree = ast.parse(BENCH.read_text())
    fixtures = {
        a.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for a in node.args.args
    }
    assert "pg_admin_url" in fixtures  # tests/pg.py: fails under SOCMAP_REQUIRE_PG=1
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not {c for c in calls if c.startswith("pytest.skip") or c.endswith("importorskip")}
