"""Kill a writer with SIGKILL at random moments, many times: nothing committed is lost.

A helper process (tests/services/writer_process.py) forks a writer per round; the writer makes
small audited writes (OCG creations and edits, nominal creations and disposals) and reports each
one after it committed. This test kills it at a random moment, ``ROUNDS`` times, then checks
SQLite's full integrity check, the audit chain, and that every reported change is there.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from socmap.domain.groups import Ocg
from socmap.services import register
from socmap.store import audit
from socmap.store.db import open_store

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 40
#: Each writer is killed this long (seconds, uniform) after it was forked.
DELAY = (0.005, 0.2)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() and SIGKILL")


def test_sigkill_never_loses_a_committed_change(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    s = open_store(path)
    register.create_ocg(s, Ocg(name="Edited by every round"))
    s.close()
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests" / "run_as.py"),
            "analyst.test",
            str(REPO / "tests" / "services" / "writer_process.py"),
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put("EOF")

    threading.Thread(target=pump, daemon=True).start()
    rng = random.Random(20261129)
    committed: list[list[str]] = []
    rounds: list[int] = []
    current = [-1]

    def until(prefix: str) -> list[str]:
        while True:
            line = lines.get(timeout=60)
            if line == "EOF":
                raise AssertionError("the writer helper died")
            parts = line.split()
            if parts[0] == prefix:
                return parts
            committed.append(parts)
            rounds.append(current[0])

    try:
        until("READY")
        assert proc.stdin is not None
        for r in range(ROUNDS):
            current[0] = r
            proc.stdin.write(f"go {r}\n")
            proc.stdin.flush()
            pid = int(until("PID")[1])
            time.sleep(rng.uniform(*DELAY))
            os.kill(pid, signal.SIGKILL)
            dead = until("DEAD")
            assert int(dead[1]) == pid
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    s = open_store(path)  # runs quick_check on open
    try:
        assert s.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert audit.verify_chain(s) is None
        # A nominal reported as created may have been disposed of by its writer's next step,
        # committed but killed before reporting it, and SQLite may then give its id to a later
        # nominal. So: a reported creation must be there unless a disposal of it was reported,
        # or it was its writer's last report (the unreported disposal may have committed).
        for i, (kind, *rest) in enumerate(committed):
            if kind == "C":
                row = s.conn.execute(
                    "SELECT name FROM ocgs WHERE id = ?", [int(rest[0])]
                ).fetchone()
                assert row == (rest[1],), (kind, rest)
            elif kind == "U":
                v = s.conn.execute(
                    "SELECT version FROM ocgs WHERE id = ?", [int(rest[0])]
                ).fetchone()
                assert v[0] >= int(rest[1])
            elif kind == "N":
                later = committed[i + 1 :]
                same_round = i + 1 < len(committed) and rounds[i + 1] == rounds[i]
                reused = any(p[0] in "ND" and p[1] == rest[0] for p in later)
                if same_round and not reused:
                    row = s.conn.execute(
                        "SELECT surname FROM nominals WHERE id = ?", [int(rest[0])]
                    ).fetchone()
                    assert row == (rest[1],), (kind, rest)
        # a reported disposal: that person is gone (their id may since belong to someone else)
        surname_of: dict[str, str] = {}
        for kind, *rest in committed:
            if kind == "N":
                surname_of[rest[0]] = rest[1]
            elif kind == "D":
                gone = surname_of[rest[0]]
                assert (
                    s.conn.execute("SELECT 1 FROM nominals WHERE surname = ?", [gone]).fetchone()
                    is None
                ), gone
        # every edit of OCG 1 that was reported is on the trail
        edits = [int(p[2]) for p in committed if p[0] == "U"]
        trail = len(audit.rows(s, action="update", entity="ocg", entity_id="1", limit=10**6))
        assert trail >= len(edits)
    finally:
        s.close()
    kinds = {k: sum(1 for p in committed if p[0] == k) for k in "CUND"}
    print(f"kill test: {ROUNDS} kills, {len(committed)} committed writes checked {kinds}")
    assert len(committed) > ROUNDS  # the writers did get work done between kills
