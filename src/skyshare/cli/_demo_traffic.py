"""Synthetic live traffic for ``skyshare demo``: blue and red aircraft that really meet.

Each aircraft flies back and forth along a straight leg at constant speed; blue and red legs
are laid so that pairs meet head-on or cross at the same level every few minutes (tactical
conflicts that open, update and resolve), one red aircraft's leg runs through the demo danger
area (a restriction conflict), and others fly clear of everyone. States are ingested through
the same service as ``POST /v1/states``, every ``step_s``.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

from skyshare.model.state import AircraftState
from skyshare.services.context import Context
from skyshare.services.parties import authenticate
from skyshare.units import EARTH_RADIUS_M

__all__ = ["LEGS", "Leg", "position", "start_demo_traffic"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Leg:
    """An aircraft flying A → B → A … at ``speed_mps``; ``phase_s`` shifts where it starts."""

    aircraft_id: str
    party: str
    a: tuple[float, float]
    b: tuple[float, float]
    altitude_m: float
    speed_mps: float
    phase_s: float = 0.0


LEGS: tuple[Leg, ...] = (
    # Head-on on the same line and level: they meet every half lap.
    Leg("BLU101", "blue", (36.30, 36.40), (36.30, 38.10), 3600.0, 180.0),
    Leg("RED201", "red", (36.30, 38.10), (36.30, 36.40), 3600.0, 160.0, phase_s=250.0),
    # Crossing tracks at the same level.
    Leg("BLU102", "blue", (35.40, 37.20), (37.00, 37.20), 5200.0, 200.0, phase_s=161.0),
    Leg("RED202", "red", (36.20, 36.30), (36.20, 38.20), 5200.0, 200.0, phase_s=120.0),
    # Through the demo danger area (36.2 N 37.6 E, 8 km, up to 4,000 m).
    Leg("RED203", "red", (35.80, 37.60), (36.60, 37.60), 2500.0, 120.0),
    # Clear of everyone: far apart in level.
    Leg("BLU103", "blue", (35.30, 36.20), (35.30, 38.30), 9000.0, 220.0),
    Leg("RED204", "red", (37.10, 38.30), (37.10, 36.20), 1200.0, 90.0),
)


def position(leg: Leg, t: float, t0: float = 0.0) -> AircraftState:
    """The leg's state at epoch time ``t``, flying since ``t0`` (flat earth around the leg).

    Phases are chosen so that, counted from the start of the demo, the head-on pair is
    predicted to conflict within half a minute and the crossing pair at once.

    >>> s = position(LEGS[0], 0.0)
    >>> round(s.track_deg) in (90, 270)
    True
    """
    lat0 = math.radians((leg.a[0] + leg.b[0]) / 2)
    north = math.radians(leg.b[0] - leg.a[0]) * EARTH_RADIUS_M
    east = math.radians(leg.b[1] - leg.a[1]) * EARTH_RADIUS_M * math.cos(lat0)
    length = math.hypot(north, east)
    s = (leg.speed_mps * (t - t0 + leg.phase_s)) % (2 * length)
    outbound = s < length
    f = s / length if outbound else (2 * length - s) / length
    track = math.degrees(math.atan2(east, north)) % 360.0
    return AircraftState(
        aircraft_id=leg.aircraft_id,
        time_s=t,
        lat=leg.a[0] + f * (leg.b[0] - leg.a[0]),
        lng=leg.a[1] + f * (leg.b[1] - leg.a[1]),
        altitude_m=leg.altitude_m,
        ground_speed_mps=leg.speed_mps,
        track_deg=track if outbound else (track + 180.0) % 360.0,
        vertical_rate_mps=0.0,
    )


def start_demo_traffic(
    ctx: Context, tokens: dict[str, str], step_s: float = 2.0
) -> threading.Event:
    """Start reporting the legs in the background; set the returned event to stop."""
    from skyshare.services.states import ingest

    stop = threading.Event()
    callers = {name: authenticate(ctx, f"Bearer {token}") for name, token in tokens.items()}
    start = ctx.now()

    def run() -> None:
        while not stop.wait(step_s):
            now = ctx.now()
            for name, caller in callers.items():
                batch = [position(leg, now, start) for leg in LEGS if leg.party == name]
                try:
                    ingest(ctx, caller, batch)
                except Exception:  # the demo keeps flying whatever one batch met
                    log.exception("demo traffic batch failed")

    threading.Thread(target=run, name="skyshare-demo-traffic", daemon=True).start()
    return stop
