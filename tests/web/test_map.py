"""The operations map in Debian's Chromium against a real ``skyshare serve``.

Each test signs parties in through the page, acts through the page or the API, and checks
what each party's tab shows. The fixtures fail a test on any console error, page error, failed
or 4xx/5xx request, or request that is not for 127.0.0.1.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from playwright.sync_api import Browser, expect
from playwright.sync_api import Error as PlaywrightError

from skyshare.audit.signing import generate_private_key, public_key_b64, write_key_pair
from tests.web.conftest import Served, Session, watch_context

OpenSession = Callable[..., Session]


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _volume(lat: float, lng: float, d: float, lo: float, hi: float, start_h: float) -> Any:
    now = datetime.now(UTC)
    return {
        "volume": {
            "outline_polygon": {
                "vertices": [
                    {"lat": lat - d, "lng": lng - d},
                    {"lat": lat - d, "lng": lng + d},
                    {"lat": lat + d, "lng": lng + d},
                    {"lat": lat + d, "lng": lng - d},
                ]
            },
            "altitude_lower": {"value": lo, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": hi, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": _rfc3339(now + timedelta(hours=start_h)), "format": "RFC3339"},
        "time_end": {"value": _rfc3339(now + timedelta(hours=start_h + 2)), "format": "RFC3339"},
    }


def _file_notice(
    client: httpx.Client, private: dict[str, Any], key: list[str], lat: float, lng: float
) -> dict[str, Any]:
    """A notice 2 h ahead over a 0.3° square; tests use squares about 1° apart."""
    body = {
        "volumes": [_volume(lat, lng, 0.15, 3000, 6000, 2)],
        "state": "accepted",
        "priority": 0,
        "key": key,
        "private": private,
    }
    r = client.put(f"/v1/notices/{uuid.uuid4()}", json=body)
    assert r.status_code == 201, r.text
    notice: dict[str, Any] = r.json()
    return notice


def test_page_and_assets_need_no_token(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as anon:
        page = anon.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        icon = anon.get("/favicon.ico")
        assert icon.status_code == 200
        assert icon.headers["content-type"] == "image/vnd.microsoft.icon"
        assert icon.content[:4] == b"\x00\x00\x01\x00"
        for asset in ("/assets/js/main.js", "/assets/app.css", "/assets/vendor/leaflet/leaflet.js"):
            r = anon.get(asset)
            assert r.status_code == 200, asset
        assert anon.get("/assets/vendor/leaflet/LICENSE").status_code == 200
        assert anon.get("/assets/vendor/world-atlas/LICENSE").status_code == 200
        for escape in ("/assets/../pyproject.toml", "/assets/%2e%2e/api/app.py", "/assets/nope.js"):
            assert anon.get(escape).status_code == 404, escape
        assert anon.get("/v1/notices").status_code == 401


def test_events_tell_where_a_fresh_reader_starts(served: Served) -> None:
    """``X-Skyshare-Last-Seq``: the page reads it, then its snapshot, then follows from it."""
    blue = served.clients["blue"]
    r = blue.get(
        "/v1/events", params={"after": 0, "limit": 10_000}, headers={"Accept": "application/json"}
    )
    newest = int(r.headers["X-Skyshare-Last-Seq"])
    assert newest >= max((e["seq"] for e in r.json()), default=0)
    _file_notice(blue, {}, [], 36.9, 36.3)
    later = blue.get("/v1/events", params={"after": newest}, headers={"Accept": "application/json"})
    assert int(later.headers["X-Skyshare-Last-Seq"]) > newest
    assert "notice.created" in [e["type"] for e in later.json()]


def test_login_with_each_party_token(
    browser: Browser, served: Served, open_session: OpenSession
) -> None:
    blue = open_session("blue")
    expect(blue.page.locator("#who")).to_have_text("blue (you)")
    assert "token" not in blue.page.url, "the token must leave the address bar"
    assert blue.page.evaluate("sessionStorage.getItem('skyshare.token')") == served.tokens["blue"]

    # red signs in through the form, and the page takes red's language (Arabic).
    context = browser.new_context()
    w = watch_context(context)
    page = context.new_page()
    try:
        page.goto(served.base_url + "/")
        page.fill("#token", "not-a-token")
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).not_to_be_empty()
        w.problems = [p for p in w.problems if "401" not in p]  # the refused token, expected
        page.fill("#token", served.tokens["red"])
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        expect(page.locator("#who")).to_contain_text("red")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        page.click("#logout")  # forgets the token; the page asks again
        expect(page.locator("#login")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('skyshare.token')") is None
        # signing out ends the event stream, which the browser reports as an aborted request
        w.problems = [p for p in w.problems if not ("/v1/events" in p and "ERR_ABORTED" in p)]
        w.check()
    finally:
        context.close()


def test_own_notice_shows_private_fields_and_other_does_not(
    served: Served, open_session: OpenSession
) -> None:
    blue_notice = _file_notice(served.clients["blue"], {"callsign": "BLUE01"}, [], 35.4, 36.6)
    blue = open_session("blue")
    red = open_session("red", language="en")
    # red files live while both tabs are open: it reaches both through the event stream.
    red_notice = _file_notice(
        served.clients["red"], {"callsign": "RED07"}, [blue_notice["ovn"]], 35.4, 36.65
    )
    for s in (blue, red):
        s.page.click("[data-tab=notices]")
        for n in (blue_notice, red_notice):
            expect(s.page.locator(f"#notice-list [data-id='{n['id']}']")).to_have_count(1)
    expect(blue.page.locator(f"[data-id='{blue_notice['id']}'] dl.private")).to_contain_text(
        "BLUE01"
    )
    expect(red.page.locator(f"[data-id='{red_notice['id']}'] dl.private")).to_contain_text("RED07")
    assert "BLUE01" not in red.page.content()
    assert "RED07" not in blue.page.content()
    expect(red.page.locator(f"[data-id='{blue_notice['id']}'] dl.private")).to_have_count(0)


def test_acknowledge_updates_both_parties_views(served: Served, open_session: OpenSession) -> None:
    blue = open_session("blue")
    red = open_session("red", language="en")
    first = _file_notice(served.clients["blue"], {}, [], 36.6, 37.8)
    second = _file_notice(served.clients["red"], {}, [first["ovn"]], 36.6, 37.85)
    (conflict,) = second["conflicts"]
    blue_item, red_item = (
        s.page.locator(f"#conflict-list [data-id='{conflict['id']}']") for s in (blue, red)
    )
    for item in (blue_item, red_item):
        expect(item.locator("button.ack")).to_have_count(1)
        expect(item).to_have_attribute("data-status", "open")
    blue_item.locator("button.ack").click()
    expect(blue_item.locator("button.ack")).to_have_count(0)
    expect(red_item.locator(".acked")).to_contain_text("blue")
    expect(red_item.locator("button.ack")).to_have_count(1)
    red_item.locator("button.ack").click()
    for item in (blue_item, red_item):
        expect(item).to_have_attribute("data-status", "acknowledged")
        expect(item.locator(".acked")).to_contain_text("red")


def _state(aircraft_id: str, lng: float, track_deg: float) -> dict[str, Any]:
    return {
        "aircraft_id": aircraft_id,
        "time": _rfc3339(datetime.now(UTC)),
        "lat": 36.0,
        "lng": lng,
        "altitude_m": 3000.0,
        "ground_speed_mps": 200.0,
        "track_deg": track_deg,
        "vertical_rate_mps": 0.0,
    }


def test_scripted_encounter_appears_as_a_conflict_within_3_s(
    served: Served, open_session: OpenSession
) -> None:
    if not served.has("/v1/states"):
        pytest.skip("POST /v1/states is not implemented on this server yet (live operations)")
    blue = open_session("blue")
    red = open_session("red", language="en")
    posted = time.monotonic()
    for name, aircraft, lng, track in (("blue", "BLU1", 37.0, 90.0), ("red", "RED1", 37.3, 270.0)):
        r = served.clients[name].post("/v1/states", json={"states": [_state(aircraft, lng, track)]})
        assert r.status_code == 202, r.text
    for s in (blue, red):
        item = s.page.locator("#conflict-list > li", has_text="BLU1")
        left_ms = max(1.0, 3_000 - (time.monotonic() - posted) * 1000)
        expect(item).to_contain_text("RED1", timeout=left_ms)
    assert time.monotonic() - posted < 3.0
    expect(blue.page.locator("#conflict-list > li").first).to_contain_text("CPA")


def _register_key(served: Served, name: str, tmp_path: Path) -> Path:
    key = generate_private_key()
    path = tmp_path / f"{name}.key"
    write_key_pair(path, key)
    r = served.clients[name].put("/v1/parties/me/key", json={"public_key": public_key_b64(key)})
    assert r.status_code == 200, r.text
    return path


def test_hotline_message_reaches_the_other_party_in_its_language(
    served: Served, open_session: OpenSession, tmp_path: Path
) -> None:
    if not (served.has("/v1/messages") and served.has("/v1/templates")):
        pytest.skip("/v1/messages and /v1/templates are not implemented on this server yet")
    blue_key, red_key = (_register_key(served, n, tmp_path) for n in ("blue", "red"))
    blue = open_session("blue")
    red = open_session("red")  # red reads Arabic
    blue.page.click("[data-tab=hotline]")
    blue.page.set_input_files("#key-file", str(blue_key))
    expect(blue.page.locator("#key-status")).to_have_attribute("data-loaded", "true")
    blue.page.select_option("#compose-to", served.party_ids["red"])
    blue.page.select_option("#compose-template", "request_climb")
    blue.page.fill("#compose-params [name=altitude_m]", "3048")
    blue.page.click("#compose-send")
    expect(blue.page.locator("#message-list > li")).to_have_count(1)
    expect(blue.page.locator("#message-list > li .text")).to_contain_text("3,048 metres")

    red.page.click("[data-tab=hotline]")
    item = red.page.locator("#message-list > li")
    expect(item).to_have_count(1)
    expected = served.clients["red"].get("/v1/messages").json()[0]["rendered"]
    assert "٣٬٠٤٨" in expected  # Arabic-Indic digits: the server rendered it in Arabic
    expect(item.locator(".text")).to_have_text(expected)
    red.page.set_input_files("#key-file", str(red_key))
    expect(red.page.locator("#key-status")).to_have_attribute("data-loaded", "true")
    item.locator("button.ack").click()
    expect(item).to_have_class("message in acked")
    expect(blue.page.locator("#message-list > li")).to_have_class("message out acked")


def test_time_slider_shows_notices_and_restrictions_in_force_then(
    served: Served, open_session: OpenSession
) -> None:
    notice = _file_notice(served.clients["blue"], {}, [], 35.2, 38.2)  # from +2 h to +4 h
    zone = _volume(35.2, 37.4, 0.05, 0, 1000, 5)  # a restriction from +5 h to +7 h
    r = served.admin.post("/v1/restrictions", json={"name": "Later zone", "volumes": [zone]})
    assert r.status_code == 201, r.text
    zone_id = r.json()["id"]
    s = open_session("blue")
    page = s.page
    page.click("[data-tab=notices]")
    volume = page.locator(f"#notice-list [data-id='{notice['id']}'] .volumes li")

    expect(volume).not_to_have_class("on")
    assert not page.evaluate(f"window.skyshare.activeRestrictions.has('{zone_id}')")
    for minutes, notice_on, zone_on in ((180, True, False), (360, False, True), (0, False, False)):
        page.locator("#slider").fill(str(minutes))
        if notice_on:
            expect(volume).to_have_class("on")
        else:
            expect(volume).not_to_have_class("on")
        # (wait_for_function evaluates a string, which the page's CSP rightly refuses)
        deadline = time.monotonic() + 5
        js = f"window.skyshare.activeRestrictions.has('{zone_id}')"
        while page.evaluate(js) != zone_on:
            assert time.monotonic() < deadline, f"restriction in force at +{minutes} min"
            page.wait_for_timeout(50)
    expect(page.locator("#slider-label")).to_contain_text("UTC")


def test_arabic_layout_is_right_to_left(served: Served, open_session: OpenSession) -> None:
    s = open_session("blue")
    page = s.page
    page.select_option("#lang", "ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    expect(page.locator("[data-tab=conflicts] span")).to_have_text("التعارضات")
    side = page.locator("aside.side").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert side is not None
    assert map_box is not None
    assert side["x"] + side["width"] <= map_box["x"] + 1, "the side panel moves to the left"
    # the map itself stays left-to-right (Leaflet's controls and coordinates)
    assert page.evaluate("document.getElementById('map').dir") == "ltr"
    page.select_option("#lang", "ru")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    expect(page.locator("[data-tab=conflicts] span")).to_have_text("Конфликты")


_JCS_CASES: list[Any] = [
    {"b": 1, "a": [True, None, 0.1, -0.0, 1e21, 1e-7, 1.2345678901234568e20]},
    {"to": "x", "params": {"altitude_m": 3048, "lat": 36.25, "lng": -0.5}, "id": "é"},
    {
        "text": "طائرة \u2066عند\u2069 “quoted” \\ / \n\t\u0001",
        "\u20ac": 1,
        "\U0001f600": 2,
        "a": 3,
    },
    {"type": "ack", "message_id": "5b0f6a3e-0000-4000-8000-000000000001"},
]


def test_page_canonical_json_and_signatures_match_the_server(
    served: Served, open_session: OpenSession, tmp_path: Path
) -> None:
    s = open_session("blue")
    for case in _JCS_CASES:
        got = s.page.evaluate(
            "async (v) => (await import('/assets/js/jcs.js')).canonicalize(v)", case
        )
        assert got.encode() == rfc8785.dumps(case), json.dumps(case)
    key = generate_private_key()
    write_key_pair(tmp_path / "k.key", key)
    text = (tmp_path / "k.key").read_text()
    body = _JCS_CASES[1]
    signature = s.page.evaluate(
        """async ([text, body]) => {
            const m = await import('/assets/js/signing.js');
            await m.loadKeyFile(text);
            return [m.publicKey(), await m.sign(body)];
        }""",
        [text, body],
    )
    assert signature[0] == public_key_b64(key)
    import base64

    try:
        key.public_key().verify(base64.b64decode(signature[1]), rfc8785.dumps(body))
    except InvalidSignature:  # pragma: no cover - the assertion below reports it
        pytest.fail("the page's Ed25519 signature does not verify in Python")


def test_no_errors_and_nothing_leaves_localhost(served: Served, open_session: OpenSession) -> None:
    s = open_session("blue")
    page = s.page
    # The page's Content-Security-Policy refuses other origins before any request is made...
    refused = page.evaluate("fetch('http://192.0.2.1/x').then(() => 'sent', () => 'refused')")
    assert refused == "refused"
    assert any("Content Security Policy" in p for p in s.watch.problems)
    # ...and should anything get past it, the route stops it and reports it.
    other = s.context.new_page()
    with pytest.raises(PlaywrightError):
        other.goto("http://192.0.2.1/y", timeout=5_000)
    other.close()
    assert s.watch.outside == ["http://192.0.2.1/y"]
    s.watch.outside.clear()
    s.watch.problems.clear()
    # Everything the page loaded came from this server, favicon included.
    urls = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert (
        any(u.endswith("/favicon.ico") for u in urls)
        or page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
    )
    assert all(u.startswith(served.base_url) for u in urls), urls
    page.wait_for_timeout(1500)  # a few live rounds (event stream, aircraft polling)
    s.watch.check()
