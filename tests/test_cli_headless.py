"""Headless exports work on a machine with no display and no Qt platform chosen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (
            [
                "export",
                "profile",
                "--area",
                "Telford & Wrekin",
                "--format",
                "pdf",
                "--audience",
                "internal",
            ],
            "p.pdf",
        ),
        (
            [
                "export",
                "briefing",
                "--area",
                "Shropshire",
                "--format",
                "png",
                "--audience",
                "neighbourhood",
            ],
            "b.png",
        ),
        (["export", "graph", "--kind", "partners", "--format", "svg"], "g.svg"),
        (["network", "export", "--ocg", "60", "--format", "png"], "n.png"),
    ],
)
def test_export_without_a_display(
    demo_path: Path, tmp_path: Path, args: list[str], name: str
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env["PYTHONPATH"] = str(REPO)
    out = tmp_path / name
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "run_as.py"),
            "analyst.test",
            "-m",
            "socmap",
            *args,
            "--db",
            str(demo_path),
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 1000
