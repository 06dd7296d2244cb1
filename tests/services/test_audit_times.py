"""The stored-chain verifier's time formatter equals ``format_rfc3339`` exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skyshare.services.audit_log import _TimeText
from skyshare.timefmt import format_rfc3339

T0_S = 1_795_514_400.0  # 2026-11-24T10:00:00Z


@given(st.lists(st.floats(min_value=0, max_value=4e9, allow_nan=False), max_size=50))
def test_equals_format_rfc3339_on_any_sequence(times: list[float]) -> None:
    fmt = _TimeText()
    assert [fmt(t) for t in times] == [format_rfc3339(t) for t in times]


def test_rounding_across_a_minute_and_a_day() -> None:
    fmt = _TimeText()
    edges = [T0_S + 59.9996, T0_S + 59.9994, T0_S + 86_399.9999, T0_S + 60, 0.0005, 7]
    assert [fmt(t) for t in edges] == [format_rfc3339(t) for t in edges]


def test_a_tampered_value_is_not_a_time() -> None:
    fmt = _TimeText()
    for bad in ("2026-11-24T10:00:00Z", None, float("nan"), 1e300):
        assert fmt(bad).startswith("not a time: ")
