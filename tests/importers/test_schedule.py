"""Schedules: absolute windows, daily windows across midnight UTC and across DST changes."""

from __future__ import annotations

import pytest

from skyshare.errors import InvalidInput
from skyshare.model.restriction import (
    DAY_S,
    DailyWindow,
    Period,
    Restriction,
    Schedule,
    applicable_volumes,
    expand_schedule,
    restriction_from_json,
    restriction_to_json,
)
from skyshare.model.volume import Altitude, AltitudeReference, Circle, LatLng, Polygon, Volume4D
from skyshare.timefmt import format_rfc3339, parse_rfc3339

H = 3600
WEEKDAYS_ONLY = (0, 1, 2, 3, 4)


def t(text: str) -> float:
    return parse_rfc3339(text)


def windows(schedule: Schedule | None, start: str, end: str) -> list[tuple[str, str]]:
    return [
        (format_rfc3339(a), format_rfc3339(b))
        for a, b in expand_schedule(schedule, t(start), t(end))
    ]


def test_no_schedule_and_permanent_apply_throughout() -> None:
    rng = ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    assert windows(None, *rng) == [rng]
    assert windows(Schedule.always(), *rng) == [rng]
    assert Schedule.always().permanent
    assert expand_schedule(Schedule.always(), 10.0, 10.0) == []


def test_absolute_windows_are_clipped_and_merged() -> None:
    s = Schedule(
        (
            Period(t("2026-07-14T08:00:00Z"), t("2026-07-14T12:00:00Z")),
            Period(t("2026-07-14T12:00:00Z"), t("2026-07-14T13:00:00Z")),  # touches: merged
            Period(t("2026-07-14T20:00:00Z"), None),
        )
    )
    assert windows(s, "2026-07-14T09:00:00Z", "2026-07-14T22:00:00Z") == [
        ("2026-07-14T09:00:00Z", "2026-07-14T13:00:00Z"),
        ("2026-07-14T20:00:00Z", "2026-07-14T22:00:00Z"),
    ]
    assert not s.permanent


def test_daily_window_crossing_midnight_utc() -> None:
    # Friday and Saturday nights, 22:00-02:00 UTC; 2026-11-20 is a Friday.
    s = Schedule((Period(daily=(DailyWindow((4, 5), 22 * H, 2 * H),)),))
    assert windows(s, "2026-11-19T00:00:00Z", "2026-11-23T00:00:00Z") == [
        ("2026-11-20T22:00:00Z", "2026-11-21T02:00:00Z"),
        ("2026-11-21T22:00:00Z", "2026-11-22T02:00:00Z"),
    ]
    # A range starting after midnight still sees the tail of the previous night's window.
    assert windows(s, "2026-11-21T01:00:00Z", "2026-11-21T03:00:00Z") == [
        ("2026-11-21T01:00:00Z", "2026-11-21T02:00:00Z")
    ]


def test_local_working_hours_follow_daylight_saving() -> None:
    # Europe/Paris: CET (+01:00) until 2026-03-29 01:00Z, CEST (+02:00) until 2026-10-25 01:00Z.
    s = Schedule((Period(daily=(DailyWindow(WEEKDAYS_ONLY, 8 * H, 17 * H),)),), "Europe/Paris")
    assert windows(s, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z") == [
        ("2026-03-27T07:00:00Z", "2026-03-27T16:00:00Z"),  # Friday, CET
        ("2026-03-30T06:00:00Z", "2026-03-30T15:00:00Z"),  # Monday, CEST
    ]
    assert windows(s, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z") == [
        ("2026-10-23T06:00:00Z", "2026-10-23T15:00:00Z"),
        ("2026-10-26T07:00:00Z", "2026-10-26T16:00:00Z"),
    ]


def test_local_window_on_the_change_night() -> None:
    # 01:00-04:00 local on the Sunday clocks go forward lasts 2 h; going back, 4 h.
    s = Schedule((Period(daily=(DailyWindow((6,), 1 * H, 4 * H),)),), "Europe/Paris")
    spring = expand_schedule(s, t("2026-03-29T00:00:00Z"), t("2026-03-30T00:00:00Z"))
    autumn = expand_schedule(s, t("2026-10-24T12:00:00Z"), t("2026-10-26T00:00:00Z"))
    assert [b - a for a, b in spring] == [2 * H]
    assert [b - a for a, b in autumn] == [4 * H]
    # A start inside the spring gap (02:30 does not exist) moves forward by the gap.
    gap = Schedule((Period(daily=(DailyWindow((6,), 2 * H + 1800, 5 * H),)),), "Europe/Paris")
    assert windows(gap, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z") == [
        ("2026-03-29T01:30:00Z", "2026-03-29T03:00:00Z")
    ]


def test_whole_local_day_is_23_or_25_hours_on_change_days() -> None:
    s = Schedule((Period(daily=(DailyWindow((6,), 0, DAY_S),)),), "Europe/Paris")
    spring = expand_schedule(s, t("2026-03-28T00:00:00Z"), t("2026-03-31T00:00:00Z"))
    assert [b - a for a, b in spring] == [23 * H]


def test_weekly_window_in_a_bounded_period() -> None:
    p = Period(t("2026-11-01T00:00:00Z"), t("2026-11-15T00:00:00Z"), (DailyWindow((2,), 0, H),))
    got = windows(Schedule((p,)), "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert got == [
        ("2026-11-04T00:00:00Z", "2026-11-04T01:00:00Z"),
        ("2026-11-11T00:00:00Z", "2026-11-11T01:00:00Z"),
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: DailyWindow((), 0, H),
        lambda: DailyWindow((7,), 0, H),
        lambda: DailyWindow((1, 1), 0, H),
        lambda: DailyWindow((1,), DAY_S, H),
        lambda: Period(10.0, 5.0),
        lambda: Schedule(()),
        lambda: Schedule((Period(),), "Mars/Olympus_Mons"),
    ],
)
def test_malformed_schedules_are_refused(build: object) -> None:
    assert callable(build)
    with pytest.raises(InvalidInput):
        build()


def _restriction(schedule: Schedule | None) -> Restriction:
    square = Polygon((LatLng(45.0, 6.0), LatLng(45.0, 6.1), LatLng(45.1, 6.1), LatLng(45.1, 6.0)))
    return Restriction(
        None,
        "Zone",
        "zones.json",
        "Z1",
        "PROHIBITED",
        (
            Volume4D(square, Altitude(0.0, AltitudeReference.AGL), Altitude(None), None, None),
            Volume4D(
                Circle(LatLng(45.05, 6.05), 500.0),
                Altitude(100.0),
                Altitude(300.0),
                t("2026-11-24T09:30:00Z"),
                None,
            ),
        ),
        schedule,
    )


def test_json_round_trip() -> None:
    s = Schedule(
        (
            Period(t("2026-11-20T00:00:00Z"), None, (DailyWindow((4, 5), 22 * H, 2 * H),)),
            Period(None, t("2027-01-01T00:00:00Z")),
        ),
        "Europe/Paris",
    )
    for r in (_restriction(s), _restriction(None), _restriction(Schedule.always())):
        again = restriction_from_json(restriction_to_json(r))
        assert again == r


def test_json_errors_name_the_field() -> None:
    body = restriction_to_json(_restriction(Schedule.always()))
    body["schedule"]["periods"][0]["daily"] = [{"days": ["XYZ"], "start": "08:00", "end": "09:00"}]
    with pytest.raises(InvalidInput) as err:
        restriction_from_json(body)
    assert err.value.field == "restriction.schedule.periods[0].daily[0].days[0]"


def test_applicable_volumes_are_bounded_by_the_schedule() -> None:
    s = Schedule((Period(daily=(DailyWindow(WEEKDAYS_ONLY, 8 * H, 10 * H),)),))
    vols = applicable_volumes(_restriction(s), t("2026-11-24T00:00:00Z"), t("2026-11-25T00:00:00Z"))
    assert [
        (format_rfc3339(v.time_start_s or 0), format_rfc3339(v.time_end_s or 0)) for v in vols
    ] == [
        ("2026-11-24T08:00:00Z", "2026-11-24T10:00:00Z"),
        ("2026-11-24T09:30:00Z", "2026-11-24T10:00:00Z"),  # its own start narrows it
    ]
    saturday = applicable_volumes(
        _restriction(s), t("2026-11-28T00:00:00Z"), t("2026-11-29T00:00:00Z")
    )
    assert saturday == ()
