"""``skyshare keygen``: a usable key pair, private file 0600, no silent overwrite."""

from __future__ import annotations

import base64
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from skyshare.audit.signing import (
    load_private_key,
    public_key_b64,
    read_public_key_file,
    sign_object,
    verify_object,
)
from skyshare.cli.main import cli


def test_keygen_writes_a_key_pair_and_prints_the_public_key(tmp_path: Path) -> None:
    out = tmp_path / "party.key"
    result = CliRunner().invoke(cli, ["keygen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip()
    assert len(base64.b64decode(printed, validate=True)) == 32
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = load_private_key(out)
    assert public_key_b64(key) == printed
    assert read_public_key_file(tmp_path / "party.key.pub") == printed
    verify_object(
        printed,
        {"type": "ack", "message_id": "m-1"},
        sign_object(key, {"type": "ack", "message_id": "m-1"}),
    )


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "party.key"
    first = CliRunner().invoke(cli, ["keygen", "--out", str(out)]).stdout.strip()
    again = CliRunner().invoke(cli, ["keygen", "--out", str(out)])
    assert again.exit_code == 2
    assert f"{out}: the file exists; pass --force to replace it." in again.stderr
    assert public_key_b64(load_private_key(out)) == first
    forced = CliRunner().invoke(cli, ["keygen", "--out", str(out), "--force"])
    assert forced.exit_code == 0
    assert forced.stdout.strip() != first
    assert public_key_b64(load_private_key(out)) == forced.stdout.strip()


def test_keygen_refuses_when_only_the_public_file_exists(tmp_path: Path) -> None:
    (tmp_path / "party.key.pub").write_text("something\n")
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "party.key")])
    assert result.exit_code == 2
    assert not (tmp_path / "party.key").exists()


def test_keygen_runs_as_a_real_command(tmp_path: Path) -> None:
    out = tmp_path / "k.key"
    run = subprocess.run(
        [sys.executable, "-m", "skyshare.cli", "keygen", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert public_key_b64(load_private_key(out)) == run.stdout.strip()
