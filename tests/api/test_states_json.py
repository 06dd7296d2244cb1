"""The fast JSON reader of state ingest reads exactly what the standard parser reads."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from skyshare.api.routes import states as routes
from skyshare.errors import InvalidInput

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=25,
)


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (-0.0 is not 0.0, 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.copysign(1.0, a) == math.copysign(1.0, b) and (
            a == b or (math.isnan(a) and math.isnan(b))
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _big_int(value: Any) -> bool:
    if isinstance(value, list):
        return any(map(_big_int, value))
    if isinstance(value, dict):
        return any(map(_big_int, value.values()))
    return type(value) is int and not -(2**63) <= value < 2**64


def _agrees(text: str) -> None:
    """orjson refuses, or reads what the standard parser reads, but for integers past 64 bits
    (floats for orjson); ``_read`` words every refusal from the standard reading."""
    fast = routes._fast_loads(text.encode("utf-8", "surrogatepass"))
    if fast is routes._NOT_FAST:
        return
    slow = json.loads(text)
    if not _big_int(slow):
        assert _same(fast, slow), text


@settings(max_examples=400, deadline=None)
@given(value=_VALUES, ascii_only=st.booleans())
def test_documents_read_alike(value: Any, ascii_only: bool) -> None:
    _agrees(json.dumps(value, ensure_ascii=ascii_only))


@settings(max_examples=400, deadline=None)
@given(
    mantissa=st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?", fullmatch=True),
    exponent=st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)),
)
@example(mantissa="1", exponent="e400")
@example(mantissa="2.2250738585072011", exponent="e-308")
@example(mantissa="18446744073709551616", exponent="")
@example(mantissa="-9223372036854775809", exponent="")
def test_numbers_read_alike(mantissa: str, exponent: str) -> None:
    _agrees(f"[{mantissa}{exponent}]")


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(
        alphabet='{}[],:"\\ \t\n\r0123456789.eE+-truefalsnNIfinity\x00\x1f\u00e9', max_size=30
    )
)
def test_any_text_orjson_accepts_reads_alike(text: str) -> None:
    _agrees(text)


def test_what_orjson_refuses_falls_back_to_the_standard_reader() -> None:
    for text in ("[NaN]", "[Infinity]", "[1e400]", '["\\ud800"]', "\ufeff{}", "[" * 2000):
        assert routes._fast_loads(text.encode("utf-8", "surrogatepass")) is routes._NOT_FAST
    assert routes._fast_loads(b"\xff{}") is routes._NOT_FAST


def test_a_refusal_is_worded_from_the_standard_reading() -> None:
    """A huge integer is a float to orjson; the error still quotes the integer as sent."""
    state = (
        '{"aircraft_id":"A1","time":"2026-01-01T00:00:00Z","lat":20000000000000000000,'
        '"lng":37.0,"altitude_m":3000.0,"ground_speed_mps":100.0,"track_deg":90.0,'
        '"vertical_rate_mps":0.0}'
    )
    for raw, media in (
        (('{"states":[' + state + "]}").encode(), "application/json"),
        ((state + "\n").encode(), routes.NDJSON),
    ):
        with pytest.raises(InvalidInput, match="got 20000000000000000000") as err:
            routes._read(raw, media)
        assert err.value.field == "states[0].lat"
