"""Every standard phrase renders in every language; units read right; bad params are named."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

import skyshare.hotline.phrases as phrases_module
from skyshare.errors import InvalidInput, SkyshareError
from skyshare.hotline.phrases import (
    LANGUAGES,
    PhraseBook,
    UnknownTemplate,
    check_params,
    render,
    templates,
)

PHRASE_DIR = Path(phrases_module.__file__).parent / "phrases"

#: Realistic values for every parameter name: a notice over northern Syria, a climb to FL100.
REALISTIC: dict[str, Any] = {
    "lat": 35.5189,
    "lng": 35.7806,
    "altitude_m": 3048,
    "lower_altitude_m": 1524.0,
    "upper_altitude_m": 7620.5,
    "flight_level": 350,
    "heading_deg": 270,
    "track_deg": 87.6,
    "radius_m": 9260,
    "time": "2026-11-24T10:05:00Z",
    "start_time": "2026-11-24T09:00:00+03:00",
    "end_time": "2026-11-24T12:30:00Z",
    "until_time": "2026-11-24T10:45:30Z",
    "direction": "left",
    "reason": "traffic",
}

REQUIRED = {
    "notice_of_operations",
    "request_climb",
    "request_descend",
    "request_turn",
    "request_hold",
    "unable",
    "will_comply",
    "traffic_advisory",
    "aircraft_in_distress",
    "link_test",
    "link_test_reply",
    "acknowledged",
}

ARABIC = re.compile("[\u0600-\u06ff]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
ALL = [(t.id, language) for t in templates() for language in LANGUAGES]


def params_for(template_id: str) -> dict[str, Any]:
    template = next(t for t in templates() if t.id == template_id)
    return {name: REALISTIC[name] for name in template.params}


def test_the_required_phrases_exist() -> None:
    assert {t.id for t in templates()} >= REQUIRED


def test_templates_have_the_api_shape() -> None:
    for template in templates():
        body = template.to_json()
        assert list(body) == ["id", "params", "text"]
        assert list(body["text"]) == ["en", "ar", "ru"]
        assert isinstance(body["params"], list)
        for text in body["text"].values():
            assert set(re.findall(r"\{(\w+)\}", text)) == set(body["params"])


@pytest.mark.parametrize(("template_id", "language"), ALL)
def test_every_template_renders_in_every_language(template_id: str, language: str) -> None:
    text = render(template_id, params_for(template_id), language)
    assert not set("{}") & set(text), text
    assert text.strip() == text
    assert text.endswith(".")
    assert ".." not in text, text
    if language == "ar":
        assert ARABIC.search(text), text
        assert not re.search("[0-9]", text.replace("MAYDAY", "")), "Arabic uses Arabic-Indic digits"
        assert _first_strong_direction(text) == "R", "Arabic text must read right to left"
    elif language == "ru":
        assert CYRILLIC.search(text), text
    else:
        assert all(char.isascii() for char in set(text) - set("°′")), text


def _first_strong_direction(text: str) -> str:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "none"


def test_no_two_templates_read_the_same() -> None:
    for language in LANGUAGES:
        texts = [t.text[language] for t in templates()]
        assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Request your aircraft climb to 3,048 metres (10,000 feet)."),
        ("ru", "Просим ваше воздушное судно набрать высоту 3\u00a0048 метров (10\u00a0000 футов)."),
        ("ar", "نطلب من طائرتكم الصعود إلى ارتفاع ٣٬٠٤٨ مترًا (١٠٬٠٠٠ قدم)."),
    ],
)
def test_altitudes_read_in_metres_and_feet(language: str, expected: str) -> None:
    assert render("request_climb", {"altitude_m": 3048}, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "35°31.1′ N 035°46.8′ E"),
        ("ru", "35°31,1′ с. ш. 035°46,8′ в. д."),
        ("ar", "\u2066٣٥°٣١٫١′\u2069 شمالًا \u2066٠٣٥°٤٦٫٨′\u2069 شرقًا"),
    ],
)
def test_positions_read_in_degrees_and_minutes(language: str, expected: str) -> None:
    text = render("request_hold", params_for("request_hold"), language)
    assert expected in text


def test_southern_and_western_positions() -> None:
    text = render("request_hold", params_for("request_hold") | {"lat": -33.9, "lng": -0.5}, "en")
    assert "33°54.0′ S 000°30.0′ W" in text
    assert "00°00.0′ N" in render("request_hold", params_for("request_hold") | {"lat": -1e-9}, "en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "from 06:00 UTC on 24 November 2026 until 12:30 UTC on 24 November 2026."),
        ("ru", "с 06:00 UTC 24 ноября 2026\u202fг. до 12:30 UTC 24 ноября 2026\u202fг."),
        ("ar", "من الساعة ٠٦:٠٠ بالتوقيت العالمي المنسق يوم ٢٤ نوفمبر ٢٠٢٦ حتى"),
    ],
)
def test_times_are_utc_in_each_language(language: str, expected: str) -> None:
    text = render("notice_of_operations", params_for("notice_of_operations"), language)
    assert expected in text


def test_seconds_show_only_when_not_zero() -> None:
    assert "until 10:45:30 UTC" in render("request_hold", params_for("request_hold"), "en")
    assert "at 10:05 UTC" in render("link_test", {"time": "2026-11-24T10:05:00Z"}, "en")


@pytest.mark.parametrize(
    ("heading", "expected"),
    [(270, "270 degrees"), (0, "360 degrees"), (359.7, "360 degrees"), (5.2, "005 degrees")],
)
def test_headings_read_as_three_digits_north_360(heading: float, expected: str) -> None:
    text = render("request_turn", {"direction": "right", "heading_deg": heading}, "en")
    assert f"turn right onto heading {expected} true" in text


def test_russian_units_agree_in_number() -> None:
    assert "1 градус" in render("request_turn", {"direction": "left", "heading_deg": 1}, "ru")
    assert "(5,0 морской мили)" in render(
        "notice_of_operations", params_for("notice_of_operations") | {"radius_m": 9260}, "ru"
    )
    assert "500 метров (0,3 морской мили)" in render(
        "notice_of_operations", params_for("notice_of_operations") | {"radius_m": 500}, "ru"
    )


def test_arabic_numbers_never_vanish_into_a_singular_or_dual_unit() -> None:
    # CLDR writes "درجة" (a degree) and "متران" (two metres) with no numeral; we keep it.
    assert "٠٠١ درجة" in render("request_turn", {"direction": "left", "heading_deg": 1}, "ar")
    assert "٢ متر" in render("request_climb", {"altitude_m": 2}, "ar")


def test_flight_levels() -> None:
    assert render("request_maintain_level", {"flight_level": 90}, "en").endswith(
        "maintain flight level 090."
    )
    assert "эшелон 350" in render("request_maintain_level", {"flight_level": 350}, "ru")
    assert "مستوى الطيران ٣٥٠" in render("request_maintain_level", {"flight_level": 350}, "ar")


def test_choices_are_translated() -> None:
    for reason in ("traffic", "weather", "terrain", "restricted_airspace", "operational"):
        texts = {language: render("unable", {"reason": reason}, language) for language in LANGUAGES}
        assert reason.split("_")[0] not in texts["ru"] + texts["ar"]


def test_no_params_may_be_given_as_null_or_empty() -> None:
    assert render("will_comply", None, "en") == "Will comply."
    assert render("acknowledged", {}, "ru") == "Принято."


# --- bad input -----------------------------------------------------------------------------


def invalid(template_id: Any, params: Any, language: Any = "en") -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        render(template_id, params, language)
    assert info.value.status == 422
    return info.value


def test_an_unknown_template_is_named() -> None:
    error = invalid("request_barrel_roll", {})
    assert isinstance(error, UnknownTemplate)
    assert (error.code, error.field) == ("unknown_template", "template")
    assert "request_climb" in error.message
    assert invalid(None, {}).code == "unknown_template"


def test_a_missing_param_is_named() -> None:
    error = invalid("request_turn", {"direction": "left"})
    assert error.field == "params.heading_deg"
    assert error.message == (
        "params.heading_deg is missing: template request_turn takes direction, heading_deg."
    )


def test_an_extra_param_is_named() -> None:
    error = invalid("request_climb", {"altitude_m": 3048, "callsign": "RCH123"})
    assert error.field == "params.callsign"
    assert "not a parameter of template request_climb (it takes altitude_m)" in error.message
    assert invalid("will_comply", {"x": 1}).message.endswith("(it takes no parameters).")


@pytest.mark.parametrize(
    ("template_id", "params", "field", "message"),
    [
        (
            "request_climb",
            {"altitude_m": "3048"},
            "altitude_m",
            "a number of metres; got the string",
        ),
        ("request_climb", {"altitude_m": True}, "altitude_m", "got a boolean"),
        ("request_climb", {"altitude_m": float("nan")}, "altitude_m", "between -1,000 and 30,000"),
        ("request_climb", {"altitude_m": 99_999}, "altitude_m", "got 99999"),
        ("request_turn", {"direction": "up", "heading_deg": 90}, "direction", "one of left, right"),
        ("request_turn", {"direction": "left", "heading_deg": 361}, "heading_deg", "0 and 360"),
        ("request_hold", {"lat": 91, "lng": 0, "until_time": "2026-11-24T10:00:00Z"}, "lat", "-90"),
        ("request_hold", {"lat": 0, "lng": 0, "until_time": "10:00"}, "until_time", "RFC 3339"),
        ("request_hold", {"lat": 0, "lng": 0, "until_time": 1.7e9}, "until_time", "time string"),
        ("request_maintain_level", {"flight_level": 350.0}, "flight_level", "whole flight level"),
        ("request_maintain_level", {"flight_level": 1000}, "flight_level", "0 and 999"),
        ("unable", {"reason": None}, "reason", "got null"),
        (
            "notice_of_operations",
            params_for("notice_of_operations") | {"radius_m": 0},
            "radius_m",
            "more than 0 metres",
        ),
    ],
)
def test_a_wrong_param_is_named(
    template_id: str, params: dict[str, Any], field: str, message: str
) -> None:
    error = invalid(template_id, params)
    assert error.field == f"params.{field}"
    assert error.message.startswith(f"params.{field} ")
    assert message in error.message


def test_params_must_be_an_object() -> None:
    assert invalid("request_climb", [3048]).field == "params"


def test_an_unknown_language_is_named() -> None:
    assert invalid("will_comply", {}, ["en"]).field == "language"
    error = invalid("will_comply", {}, "fr")
    assert error.field == "language"
    assert "en, ar, ru" in error.message


def test_check_params_returns_parsed_values() -> None:
    values = check_params("request_hold", params_for("request_hold"))
    assert values == {"lat": 35.5189, "lng": 35.7806, "until_time": 1795517130.0}


# --- the phrase files themselves -----------------------------------------------------------


def sources() -> dict[str, str]:
    return {code: (PHRASE_DIR / f"{code}.toml").read_text("utf-8") for code in LANGUAGES}


def test_the_packaged_files_load_as_a_book() -> None:
    book = PhraseBook(sources())
    assert [t.id for t in book.templates()] == [t.id for t in templates()]


@pytest.mark.parametrize(
    ("code", "old", "new", "message"),
    [
        ("ru", "{altitude_m}.", "{altitude}.", "{altitude} is not a parameter name"),
        ("ar", "{heading_deg}", "", "uses ['direction'] but English uses"),
        ("ru", "[templates.acknowledged]", "[templates.acknowledged_x]", "missing"),
        ("en", 'digits = "latn"', 'digits = "roman"', "digits must be"),
        ("ar", "left = ", "lefty = ", "[choices.direction]"),
        ("ru", 'language = "ru"', 'language = "uk"', "language must be 'ru'"),
        ("en", 'language = "en"', 'language = "en', "not valid TOML"),
        ("en", "{altitude_m}.", "{altitude_m:>10}.", "not a parameter name"),
    ],
)
def test_a_broken_phrase_file_is_reported(code: str, old: str, new: str, message: str) -> None:
    texts = sources()
    assert old in texts[code]
    texts[code] = texts[code].replace(old, new, 1)
    with pytest.raises(SkyshareError) as info:
        PhraseBook(texts)
    assert message in info.value.message
    assert info.value.message.startswith(f"{code}.toml")
