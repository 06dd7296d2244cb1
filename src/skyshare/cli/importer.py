"""``skyshare import FILE``: read an airspace file and store (or just show) its restrictions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from skyshare.importers import ImportResult

__all__ = ["import_"]

#: The same names as ``skyshare.importers.FORMATS``, repeated so ``--help`` stays instant
#: (a test keeps the two equal).
FORMAT_CHOICES = ("auto", "openair", "geojson", "ed269", "ed318")


def _metres(value: float | None) -> str:
    return "unlimited" if value is None else f"{value:,.0f} m"


def _print_summary(result: ImportResult, path: str, *, stored: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from skyshare.importers.summary import summarize

    s = summarize(result.restrictions)
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"{path}: {len(result.restrictions)} restrictions", markup=False)
    table = Table()
    table.add_column("class/type")
    table.add_column("restrictions", justify="right")
    table.add_column("volumes", justify="right")
    table.add_column("scheduled", justify="right")
    for row in s.by_type:
        table.add_row(row.type, str(row.restrictions), str(row.volumes), str(row.scheduled))
    console.print(table)
    if s.bbox is not None:
        b = s.bbox
        note = " (crosses the antimeridian)" if b.west > b.east else ""
        console.print(
            f"bounding box: lat {b.south:.4f} to {b.north:.4f}, "
            f"lng {b.west:.4f} to {b.east:.4f}{note}"
        )
    for ref in sorted(set(s.lowest_m) | set(s.highest_m)):
        lo = s.lowest_m.get(ref)
        hi = s.highest_m.get(ref, 0.0)
        lo_text = "-" if lo is None else _metres(lo)
        hi_text = "-" if ref not in s.highest_m else _metres(hi)
        console.print(f"vertical ({ref}): lowest lower {lo_text}, highest upper {hi_text}")
    if result.skipped:
        console.print(f"skipped: {len(result.skipped)}")
    if stored is None:
        console.print("dry run: nothing stored.")
    else:
        console.print(f"stored: {stored} restrictions.")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMAT_CHOICES),
    default="auto",
    show_default=True,
    help="File format; auto tells OpenAir, GeoJSON, ED-269 and ED-318 apart by content.",
)
@click.option(
    "--db", default="skyshare.db", show_default=True, help="SQLite database to store into."
)
@click.option(
    "--url",
    default=None,
    help="A running service to import into (POST /v1/restrictions:import) instead of --db.",
)
@click.option("--token", default=None, help="The administrator's token, with --url.")
@click.option("--dry-run", is_flag=True, help="Read and summarise the file; store nothing.")
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid items and list the others (exit 0)."
)
@click.option(
    "--time-zone",
    default="UTC",
    show_default=True,
    help="Zone of ED-269/ED-318 schedule times written without one (e.g. Europe/Paris).",
)
def import_(
    file: Path,
    format_: str,
    db: str,
    url: str | None,
    token: str | None,
    dry_run: bool,
    skip_invalid: bool,
    time_zone: str,
) -> None:
    """Import restrictions from an OpenAir, GeoJSON, ED-269 or ED-318 FILE.

    Stores into the SQLite file --db, or with --url and --token into a running service.
    Re-importing a file updates its restrictions in place (by source id). A malformed item
    stops the import with exit 2 and 'file:line: message' (or the JSON path) unless
    --skip-invalid is given.
    """
    from skyshare.errors import InvalidInput, SkyshareError
    from skyshare.importers import read_restrictions

    try:
        result = read_restrictions(file, format_, skip_invalid=skip_invalid, time_zone=time_zone)
    except InvalidInput as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(exc.exit_code) from None
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    for skipped in result.skipped:
        click.echo(f"skipped: {skipped.location}: {skipped.message}", err=True)
    if dry_run:
        _print_summary(result, str(file), stored=None)
        return
    try:
        if url is not None:
            stored = _post(url, token, file, format_, skip_invalid, time_zone)
        else:
            from skyshare.services.restrictions import store_restrictions

            stored = store_restrictions(db, result)
    except SkyshareError as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(exc.exit_code) from None
    _print_summary(result, str(file), stored=stored)


def _post(
    url: str, token: str | None, file: Path, format_: str, skip_invalid: bool, time_zone: str
) -> int:
    """Send the file to a running service; the service reads and checks it again."""
    import httpx

    from skyshare.errors import InvalidInput, SkyshareError

    if not token:
        raise InvalidInput("--url needs --token (the administrator's).", field="token")
    try:
        r = httpx.post(
            url.rstrip("/") + "/v1/restrictions:import",
            params={
                "format": format_,
                "name": file.name,
                "skip_invalid": str(skip_invalid).lower(),
                "time_zone": time_zone,
            },
            content=file.read_bytes(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
    except httpx.HTTPError as exc:
        raise SkyshareError(f"{url}: cannot reach the service: {exc}.") from None
    if r.status_code in (400, 413, 422):
        raise InvalidInput(r.json()["error"]["message"])
    if r.status_code != 201:
        raise SkyshareError(f"{url}: the service answered {r.status_code}: {r.text[:300]}")
    return int(r.json()["stored"])
