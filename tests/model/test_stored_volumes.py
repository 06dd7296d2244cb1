"""Volumes read back from storage are the volumes written, by the fast path or the checked one.

The strategic check on PostgreSQL parses every candidate from its stored JSON without
validating it again; these pin that the shortcut reads exactly what the full parser reads.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skyshare.model.volume import (
    Altitude,
    AltitudeReference,
    Circle,
    LatLng,
    Polygon,
    Volume4D,
    parse_volume4d,
    volume_from_stored,
    volume_to_json,
)
from skyshare.store import _json
from skyshare.timefmt import format_rfc3339, parse_rfc3339, parse_stored_rfc3339

_SECONDS = st.floats(min_value=0.0, max_value=4e9, allow_nan=False, allow_infinity=False)


@given(_SECONDS)
def test_a_stored_time_reads_as_the_checked_parser_reads_it(seconds: float) -> None:
    text = format_rfc3339(seconds)
    assert parse_stored_rfc3339(text) == parse_rfc3339(text)


@given(
    st.tuples(
        st.floats(min_value=-60.0, max_value=60.0), st.floats(min_value=-179.0, max_value=179.0)
    ),
    st.sampled_from(list(AltitudeReference)),
    st.floats(min_value=0.0, max_value=5_000.0),
    st.floats(min_value=1.0, max_value=5_000.0),
    _SECONDS,
    st.floats(min_value=1.0, max_value=86_400.0),
    st.booleans(),
)
def test_a_stored_volume_reads_as_the_checked_parser_reads_it(
    centre: tuple[float, float],
    ref: AltitudeReference,
    lower_m: float,
    thickness_m: float,
    start_s: float,
    length_s: float,
    circle: bool,
) -> None:
    lat, lng = centre
    footprint = (
        Circle(LatLng(lat, lng), 500.0)
        if circle
        else Polygon((LatLng(lat, lng), LatLng(lat + 0.1, lng), LatLng(lat, lng + 0.1)))
    )
    v = Volume4D(
        footprint,
        Altitude(lower_m, ref),
        Altitude(lower_m + thickness_m, ref),
        start_s,
        start_s + length_s,
    )
    stored = _json.loads(_json.dumps(volume_to_json(v)))
    assert volume_from_stored(stored) == parse_volume4d(stored, "volume")
