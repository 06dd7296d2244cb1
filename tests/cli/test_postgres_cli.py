"""The database commands take a postgresql:// URL as well as an SQLite file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from skyshare.cli.main import cli
from skyshare.store.database import plain_url

FIXTURES = Path(__file__).parents[1] / "importers" / "fixtures"


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


def test_migrate_party_import_and_audit_verify_on_postgres(pg_target: str) -> None:
    url = plain_url(pg_target)
    assert run("migrate", "--db", url) == (0, f"{url}: schema up to date\n")
    code, out = run("party", "add", "blue", "--db", url)
    assert code == 0, out
    assert out.startswith("id: ")
    code, out = run("import", str(FIXTURES / "constructs.txt"), "--db", url)
    assert code == 0, out
    assert "stored:" in out
    code, out = run("audit", "verify", "--db", url)
    assert code == 0, out
    assert out.startswith("ok: ")
    code, out = run("serve", "--db", "plain.db", "--workers", "2")
    assert code == 2
    assert "needs a postgresql:// database" in out
