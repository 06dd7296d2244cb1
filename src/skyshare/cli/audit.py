"""``skyshare audit``: verify the hash chain offline, and export a party's copy of it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from skyshare.cli._common import reports_errors
from skyshare.cli._http import Api, api_options

if TYPE_CHECKING:
    from skyshare.audit.chain import VerifyResult

__all__ = ["audit"]


@click.group()
def audit() -> None:
    """The tamper-evident audit log: verify it, export your copy."""


@audit.command("verify")
@click.option(
    "--db",
    "db_path",
    help="The service's SQLite file or postgresql:// URL: every record, every checkpoint.",
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A party's export file (`skyshare audit export`), checked offline.",
)
@click.option(
    "--public-key",
    help="The service key (base64) obtained out of band; default: the one in the DB or file.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes verifying stretches of a large --db log side by side [default: CPUs, ≤ 8].",
)
@reports_errors
def verify(
    db_path: str | None, export_path: Path | None, public_key: str | None, jobs: int | None
) -> None:
    """Check the hash chain and the signed checkpoints.

    Exit 0 when they hold, 1 naming the first bad entry (`entry 1234: ...`), 2 on bad input.
    """
    import os

    from skyshare.audit.signing import parse_public_key
    from skyshare.errors import InvalidInput

    if (db_path is None) == (export_path is None):
        raise InvalidInput("Give exactly one of --db PATH and --export FILE.")
    if public_key is not None:
        parse_public_key(public_key, field="public-key")
    if db_path is not None:
        result = _verify_db(db_path, public_key, jobs or min(8, os.cpu_count() or 1))
    else:
        assert export_path is not None
        result = _verify_export(export_path, public_key)
    click.echo(result.message)
    if not result.ok:
        sys.exit(1)


def _verify_db(path: str, public_key: str | None, jobs: int) -> VerifyResult:
    import sqlalchemy as sa

    from skyshare.errors import InvalidInput
    from skyshare.services.audit_log import verify_database
    from skyshare.services.context import Context
    from skyshare.store.database import open_database

    if "://" not in path and not Path(path).is_file():
        raise InvalidInput(f"{path}: no such database file.")
    db = open_database(path, migrate=False)
    try:
        return verify_database(Context(db), public_key, jobs=jobs)
    except sa.exc.DatabaseError as exc:
        raise InvalidInput(f"{path}: not a skyshare database: {exc.orig}.") from exc
    finally:
        db.dispose()


def _verify_export(path: Path, public_key: str | None) -> VerifyResult:
    from skyshare.audit.chain import read_export, verify_export
    from skyshare.errors import InvalidInput

    if public_key is not None and read_export(path).public_key != public_key:
        raise InvalidInput(
            f"{path}: the export names service key {read_export(path).public_key}, "
            "not the one given with --public-key."
        )
    return verify_export(path)


@audit.command("export")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Export file to write (JSON lines; see `skyshare audit verify --export`).",
)
@api_options
@reports_errors
def export(out: Path, url: str, token: str) -> None:
    """Download your copy of the audit log (others' records withheld) and verify it."""
    import time

    from skyshare.audit.chain import AuditEntry, verify_export, write_export
    from skyshare.timefmt import format_rfc3339

    with Api(url, token) as api:
        me = api.call("GET", "/v1/parties/me")
        key = api.call("GET", "/v1/audit/key")["public_key"]
        # Checkpoints first: every one then covers an entry fetched after it.
        checkpoints = api.call("GET", "/v1/audit/checkpoints")
        entries: list[AuditEntry] = []
        after = 0
        while True:
            page = api.call("GET", "/v1/audit", params={"after": after, "limit": 10_000})
            if not page:
                break
            entries.extend(AuditEntry.from_json(e) for e in page)
            after = entries[-1].n
    write_export(
        out,
        key,
        entries,
        checkpoints,
        party=me["id"] or "admin",
        exported_at=format_rfc3339(time.time()),
    )
    result = verify_export(out)
    click.echo(f"wrote {out}: {result.message}")
    if not result.ok:
        sys.exit(1)
