"""``skyshare demo``: a demo region with two parties, conflicting notices and a restriction."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import click

from skyshare.cli._common import reports_errors

DEMO_AGREEMENT: dict[str, Any] = {
    "name": "Demo region",
    "region": [[35.0, 36.0], [35.0, 38.5], [37.3, 38.5], [37.3, 36.0]],
    "parties": ["blue", "red"],
    "horizontal_m": 5556,
    "vertical_m": 300,
    "lookahead_s": 300,
    "time_buffer_s": 300,
    "min_lead_s": 3600,
    "policy": "advisory",
}


def _box(lat: float, lng: float, d: float) -> dict[str, Any]:
    return {
        "vertices": [
            {"lat": lat - d, "lng": lng - d},
            {"lat": lat - d, "lng": lng + d},
            {"lat": lat + d, "lng": lng + d},
            {"lat": lat + d, "lng": lng - d},
        ]
    }


def _volume(poly: dict[str, Any], lo: float, hi: float, t0: float, t1: float) -> dict[str, Any]:
    from skyshare.timefmt import format_rfc3339

    return {
        "volume": {
            "outline_polygon": poly,
            "altitude_lower": {"value": lo, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": hi, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": format_rfc3339(t0), "format": "RFC3339"},
        "time_end": {"value": format_rfc3339(t1), "format": "RFC3339"},
    }


def seed(db: str) -> dict[str, str]:
    """Create the demo agreement, parties, notices and restriction; returns party tokens."""
    from skyshare.api.schemas.common import Volume4DIn, volumes_to_model
    from skyshare.cli.runtime import build_context
    from skyshare.model.agreement import agreement_from_mapping
    from skyshare.model.notice import NoticeState
    from skyshare.model.restriction import Restriction
    from skyshare.services import agreement as agreement_service
    from skyshare.services import notices as notice_service
    from skyshare.services import restrictions as restriction_service
    from skyshare.services.context import Caller
    from skyshare.services.parties import add_party

    ctx, _ = build_context(db, admin_token=os.environ.get("SKYSHARE_ADMIN_TOKEN"))
    admin = Caller(None)
    body = agreement_service.set_agreement(ctx, admin, agreement_from_mapping(DEMO_AGREEMENT))
    tokens: dict[str, str] = {}
    callers: dict[str, Caller] = {}
    for name, language in (("blue", "en"), ("red", "ru")):
        party, token = add_party(ctx, name, language)
        tokens[name] = token
        callers[name] = Caller(party)
        agreement_service.adopt(ctx, callers[name], body["sha256"])
    now = ctx.now()

    def vols(*items: dict[str, Any], timed: bool = True) -> tuple[Any, ...]:
        return volumes_to_model([Volume4DIn.model_validate(v) for v in items], require_times=timed)

    restriction_service.create_restriction(
        ctx,
        admin,
        Restriction(
            id=None,
            name="Demo danger area",
            source="demo",
            source_id="D1",
            type="danger",
            volumes=vols(
                {
                    "volume": {
                        "outline_circle": {
                            "center": {"lat": 36.2, "lng": 37.6},
                            "radius": {"value": 8000, "units": "M"},
                        },
                        "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                        "altitude_upper": {"value": 4000, "reference": "W84", "units": "M"},
                    }
                },
                timed=False,
            ),
        ),
    )
    blue_id = str(uuid.uuid4())
    blue, _ = notice_service.put_notice(
        ctx,
        callers["blue"],
        blue_id,
        notice_service.NoticeRequest(
            volumes=vols(_volume(_box(36.0, 37.0, 0.15), 3000, 6000, now + 7200, now + 14400)),
            state=NoticeState.ACCEPTED,
            priority=0,
            key=(),
            ovn=None,
            private={"callsign": "BLUE01", "purpose": "training"},
        ),
    )
    notice_service.put_notice(
        ctx,
        callers["red"],
        str(uuid.uuid4()),
        notice_service.NoticeRequest(
            volumes=vols(
                _volume(_box(36.1, 37.1, 0.1), 4000, 7000, now + 9000, now + 12600),
                _volume(_box(36.2, 37.55, 0.1), 1000, 2500, now + 1800, now + 5400),
            ),
            state=NoticeState.ACCEPTED,
            priority=0,
            key=(blue["ovn"],),
            ovn=None,
            private={"callsign": "RED07"},
        ),
    )
    ctx.db.dispose()
    return tokens


@click.command()
@click.option(
    "--db",
    default="skyshare-demo.db",
    show_default=True,
    help="SQLite file for the demo; it is recreated on every run.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@reports_errors
def demo(db: str, host: str, port: int) -> None:
    """Serve a demo region: two parties (blue, red), conflicting notices, a restriction.

    Prints the service URL and one login link per party, then serves until interrupted.
    """
    from skyshare.cli.runtime import build_context, run_server

    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    tokens = seed(db)
    base = f"http://{host}:{port}"
    click.echo(f"skyshare demo on {db}")
    click.echo(f"map: {base}/")
    click.echo(f"api docs: {base}/docs")
    for name, token in tokens.items():
        click.echo(f"login {name}: {base}/#token={token}")
    ctx, _ = build_context(db, make_admin_token=False)
    from skyshare.cli._demo_traffic import start_demo_traffic

    start_demo_traffic(ctx, tokens)
    click.echo("live traffic: blue and red aircraft replayed every 2 s (tactical encounters)")
    run_server(ctx, host, port)
