"""Every command has useful help, and the CLI starts fast (heavy imports are lazy)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from skyshare.cli.main import COMMANDS

SKYSHARE = [sys.executable, "-m", "skyshare.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SKYSHARE, *args], capture_output=True, text=True, timeout=60)


def test_top_level_help_lists_every_command() -> None:
    r = run("--help")
    assert r.returncode == 0
    for name in COMMANDS:
        assert name in r.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_help_is_fast_and_useful(name: str) -> None:
    run(name, "--help")  # warm the file cache
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        r = run(name, "--help")
        best = min(best, time.perf_counter() - t0)
    assert r.returncode == 0, r.stderr
    assert "Usage:" in r.stdout
    assert len(r.stdout.splitlines()) >= 4
    assert best < 0.5, f"skyshare {name} --help took {best:.2f} s"


def test_unknown_command_is_bad_input() -> None:
    assert run("fly").returncode == 2
