"""NDJSON decoding: the joined fast path equals parsing line by line, errors included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshare.api.routes.states import _decode_ndjson
from skyshare.errors import SkyshareError

STATE = (
    '{"aircraft_id":"A%d","time":"2026-11-24T10:00:00Z","lat":36.0,"lng":37.0,'
    '"altitude_m":3000.0,"ground_speed_mps":100.0,"track_deg":90.0,"vertical_rate_mps":0.0}'
)


def _line_by_line(text: str) -> list[Any] | tuple[str, object]:
    out: list[Any] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                return ("line", n)
    return out


def _fast(text: str) -> list[Any] | tuple[str, object]:
    try:
        return _decode_ndjson(text)
    except SkyshareError as exc:
        return ("line", exc.details.get("line"))


def test_clean_lines_and_blank_lines() -> None:
    text = "\n".join([STATE % 1, "", "  ", STATE % 2]) + "\n"
    assert _fast(text) == _line_by_line(text)
    assert [o["aircraft_id"] for o in _decode_ndjson(text)] == ["A1", "A2"]


@pytest.mark.parametrize(
    "lines",
    [
        # Objects spanning lines whose pieces each look like {...}; one line with two objects.
        ['{"aircraft_id":"A}', '{B","lat":1}', '{"x":1},{"y":2}'],
        ['{"a":[{}', "{}]}", '{"x":1},{"y":2}'],
        ['{"a":1', '"b":2}'],
        ["{}", "{} {}"],
        [STATE % 1, '{"lat": NaN}'],
    ],
)
def test_lines_that_only_join_into_valid_json_are_refused_by_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    want = _line_by_line(text) if "NaN" not in text else None
    if want is None:
        with pytest.raises(SkyshareError, match="Non-finite"):
            _decode_ndjson(text)
    else:
        assert _fast(text) == want


PIECES = st.sampled_from(['{"a":1}', "{", "}", '"s"', ",", "[", "]", '{"b":"x}', '{"c":[{}]}', " "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=5).map("".join), max_size=5))
def test_fast_path_equals_line_by_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert _fast(text) == _line_by_line(text)
