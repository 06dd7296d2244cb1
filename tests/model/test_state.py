"""State validation: the columnar fast path equals the item-by-item path, and refuses alike."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshare.errors import InvalidInput
from skyshare.model.state import _parse_fast, parse_state, parse_states

NUM = st.one_of(st.integers(-2000, 2000), st.floats(allow_nan=True, allow_infinity=True))
STATE = st.fixed_dictionaries(
    {
        "aircraft_id": st.text(min_size=0, max_size=70),
        "time": st.sampled_from(
            ["2026-11-24T10:00:00Z", "2026-11-24T10:00:00.5+01:00", "2026-11-24 10:00", "x"]
        ),
        "lat": NUM,
        "lng": NUM,
        "altitude_m": NUM,
        "ground_speed_mps": NUM,
        "track_deg": st.one_of(NUM, st.just(360.0)),
        "vertical_rate_mps": NUM,
    }
)


def _slow(items: list[Any]) -> list[Any] | str:
    try:
        return [parse_state(o, f"states[{i}]") for i, o in enumerate(items)]
    except InvalidInput as exc:
        return str(exc.field)


@settings(max_examples=300, deadline=None)
@given(st.lists(STATE, max_size=6))
def test_fast_path_equals_slow_path(items: list[dict[str, Any]]) -> None:
    fast = _parse_fast(items)
    slow = _slow(items)
    if isinstance(slow, str):
        assert fast is None  # the fast path never accepts what the slow path refuses
        with pytest.raises(InvalidInput) as err:
            parse_states(items)
        assert err.value.field == slow
    else:
        assert fast is not None
        assert fast.states() == slow
        assert parse_states(items) == slow


def test_fast_path_takes_a_clean_batch() -> None:
    item = {
        "aircraft_id": "A1",
        "time": "2026-11-24T10:00:00Z",
        "lat": 36,
        "lng": 37.5,
        "altitude_m": 3000.0,
        "ground_speed_mps": 100.0,
        "track_deg": 360.0,
        "vertical_rate_mps": -2,
    }
    fast = _parse_fast([item, {**item, "aircraft_id": "A2"}])
    assert fast is not None
    states = fast.states()
    assert states[0].track_deg == 0.0
    assert states[0].lat == 36.0
    assert type(states[0].lat) is float
    assert states == _slow([item, {**item, "aircraft_id": "A2"}])
    for bad in (
        {"lat": True},
        {"lng": math.nan},
        {"extra": 1},
        {"time": 5},
        {"lat": "36"},
        {"altitude_m": 10**400},
        {"aircraft_id": "A\n1"},
        {"aircraft_id": "x" * 65},
        {"aircraft_id": 7},
    ):
        assert _parse_fast([{**item, **bad}]) is None
