"""The operations map in Debian's Chromium: page load time, and frames with 5,000 aircraft.

Targets (issue 9): the page loads in under 1 s from localhost; it stays smooth with 5,000
live aircraft updated at 1 Hz. Runs a real ``skyshare serve`` on a temporary database:

* load: a fresh browser context per run, from navigation to the page's ``skyshare:ready``
  mark (signed in, basemap drawn, snapshot loaded and drawn, event stream open), as the page
  times it and as Playwright sees it (which adds its own round trips), plus the browser's
  ``DOMContentLoaded`` and ``load`` times;
* frames: one party reports 5,000 aircraft through ``POST /v1/states`` every second while the
  page polls ``GET /v1/aircraft`` at 1 Hz and the map pans back and forth without pause
  (Leaflet's animated pan: every frame moves the map and redraws all aircraft);
  requestAnimationFrame intervals, long tasks, and the canvas redraw time are measured in
  the page.

    python benchmarks/bench_map.py [--aircraft 5000] [--seconds 10] [--loads 10]
                                   [--screenshots docs/screenshots]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
]
ADMIN = "bench-admin-token"
AGREEMENT = """name = "Benchmark region"
region = [[35.0, 36.0], [35.0, 38.5], [37.3, 38.5], [37.3, 36.0]]
parties = ["blue", "red"]
horizontal_m = 5556
vertical_m = 300
lookahead_s = 300
time_buffer_s = 300
min_lead_s = 3600
policy = "advisory"
"""


def rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Server:
    """``skyshare serve`` on a temporary file with blue (en) and red (ar), both adopted."""

    def __init__(self, folder: Path) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "agreement.toml").write_text(AGREEMENT, "utf-8")
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "skyshare.cli", "serve", "--db", str(folder / "b.db")),
                *("--port", str(self.port), "--agreement", str(folder / "agreement.toml")),
            ],
            env={**os.environ, "SKYSHARE_ADMIN_TOKEN": ADMIN},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.admin = httpx.Client(
            base_url=self.base, timeout=60, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.admin.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("skyshare serve did not start")
            time.sleep(0.05)
        sha = self.admin.get("/v1/agreement").json()["sha256"]
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.clients: dict[str, httpx.Client] = {}
        for name, language in (("blue", "en"), ("red", "ar")):
            r = self.admin.post("/v1/parties", json={"name": name, "language": language})
            self.tokens[name], self.ids[name] = r.json()["token"], r.json()["id"]
            self.clients[name] = httpx.Client(
                base_url=self.base,
                timeout=60,
                headers={"Authorization": f"Bearer {self.tokens[name]}"},
            )
            self.clients[name].post("/v1/agreement/adopt", json={"sha256": sha})

    def close(self) -> None:
        for c in (self.admin, *self.clients.values()):
            c.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def launch(p: Any) -> Browser:
    browser: Browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    return browser


def open_page(browser: Browser, server: Server, party: str, lang: str | None = None) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    context.route(
        "**/*",
        lambda r: r.continue_() if "//127.0.0.1:" in r.request.url else r.abort(),
    )
    page = context.new_page()
    if lang:
        page.add_init_script(f"sessionStorage.setItem('skyshare.lang', '{lang}')")
    page.goto(f"{server.base}/#token={server.tokens[party]}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def bench_load(browser: Browser, server: Server, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"ready": [], "dcl": [], "load": [], "mark": []}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 850})
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(f"{server.base}/#token={server.tokens['blue']}")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        out["ready"].append((time.perf_counter() - t0) * 1000)
        nav = page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " const m = performance.getEntriesByName('skyshare:ready')[0];"
            " return [n.domContentLoadedEventEnd, n.loadEventEnd, m.startTime]; })()"
        )
        out["dcl"].append(nav[0])
        out["load"].append(nav[1])
        out["mark"].append(nav[2])
        context.close()
    return out


def fleet(n: int, rng: random.Random) -> list[dict[str, float]]:
    """``n`` aircraft spread over the region, at distinct levels so few pairs conflict."""
    return [
        {
            "lat": rng.uniform(35.0, 37.3),
            "lng": rng.uniform(36.0, 38.5),
            "alt": 1000.0 + (i % 40) * 400.0,
            "gs": rng.uniform(60, 250),
            "trk": rng.uniform(0, 360),
        }
        for i in range(n)
    ]


def states(aircraft: list[dict[str, float]], dt_s: float) -> dict[str, Any]:
    now = rfc3339(datetime.now(UTC))
    out = []
    for i, a in enumerate(aircraft):
        d = a["gs"] * dt_s / 111_320.0
        a["lat"] += d * math.cos(math.radians(a["trk"]))
        a["lng"] += d * math.sin(math.radians(a["trk"])) / math.cos(math.radians(a["lat"]))
        out.append(
            {
                "aircraft_id": f"B{i:05d}",
                "time": now,
                "lat": a["lat"],
                "lng": a["lng"],
                "altitude_m": a["alt"],
                "ground_speed_mps": a["gs"],
                "track_deg": a["trk"],
                "vertical_rate_mps": 0.0,
            }
        )
    return {"states": out}


FRAME_START = """() => {
  const probe = { intervals: [], longTasks: [], counts: [], stop: false };
  probe.obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push(e.duration);
  });
  probe.obs.observe({ entryTypes: ["longtask"] });
  window.skyshare.traffic.drawTimes.length = 0;
  let last = performance.now();
  function frame(now) {
    probe.intervals.push(now - last);
    last = now;
    probe.counts.push(window.skyshare.traffic.ids.length);
    if (!probe.stop) requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  // Leaflet's own animated pans, as the arrow keys make: a 'move' (and an aircraft redraw)
  // every frame, one 'moveend' per second.
  let dir = 1;
  const pan = () => {
    window.skyshare.map.panBy([300 * dir, 40 * dir], { duration: 1 });
    dir = -dir;
  };
  pan();
  probe.timer = setInterval(pan, 1100);
  window.__probe = probe;
}"""
FRAME_STOP = """() => {
  const p = window.__probe;
  p.stop = true;
  clearInterval(p.timer);
  p.obs.disconnect();
  return { intervals: p.intervals, longTasks: p.longTasks,
           draws: window.skyshare.traffic.drawTimes.slice(), aircraft: Math.max(...p.counts) };
}"""


def bench_frames(page: Page, server: Server, n: int, seconds: float) -> dict[str, Any]:
    rng = random.Random(9)
    aircraft = fleet(n, rng)
    client = server.clients["blue"]
    stop = threading.Event()
    post_ms: list[float] = []

    def feed() -> None:
        last = time.monotonic()
        while not stop.is_set():
            t0 = time.monotonic()
            r = client.post("/v1/states", json=states(aircraft, t0 - last))
            r.raise_for_status()
            last = t0
            post_ms.append((time.monotonic() - t0) * 1000)
            stop.wait(max(0.0, 1.0 - (time.monotonic() - t0)))

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while page.evaluate("window.skyshare.traffic.ids.length") < n:
            if time.monotonic() > deadline:
                raise RuntimeError("the page did not show the fleet within 60 s")
            time.sleep(0.2)
        page.evaluate(FRAME_START)
        time.sleep(seconds)
        result: dict[str, Any] = page.evaluate(FRAME_STOP)
    finally:
        stop.set()
        thread.join(timeout=30)
    result["post_ms"] = post_ms
    return result


def bench_frames_page_only(
    browser: Browser, server: Server, n: int, seconds: float
) -> dict[str, Any]:
    """The same measurement with the server left out: the browser route answers
    ``GET /v1/aircraft`` with the moving fleet, so only the page's own work is timed."""
    import json

    rng = random.Random(9)
    aircraft = fleet(n, rng)
    party = server.ids["blue"]
    last = [time.monotonic()]

    def answer(route: Any) -> None:
        now = time.monotonic()
        body = states(aircraft, now - last[0])["states"]
        last[0] = now
        items = [{"id": st.pop("aircraft_id"), "party": party, **st} for st in body]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(items))

    context = browser.new_context(viewport={"width": 1400, "height": 850})
    context.route("**/v1/aircraft", answer)
    page = context.new_page()
    page.goto(f"{server.base}/#token={server.tokens['blue']}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    deadline = time.monotonic() + 30
    while page.evaluate("window.skyshare.traffic.ids.length") < n:
        if time.monotonic() > deadline:
            raise RuntimeError("the page did not show the fleet within 30 s")
        time.sleep(0.2)
    page.evaluate(FRAME_START)
    time.sleep(seconds)
    result: dict[str, Any] = page.evaluate(FRAME_STOP)
    context.close()
    return result


def report(title: str, f: dict[str, Any]) -> None:
    iv = f["intervals"][1:]
    fps = len(iv) / (sum(iv) / 1000)
    print(f"{title}: {f['aircraft']} aircraft, {len(iv)} frames, {fps:.1f} fps")
    print(
        f"  frame interval ms: median {statistics.median(iv):.1f}  p95 {pct(iv, 0.95):.1f}"
        f"  p99 {pct(iv, 0.99):.1f}  max {max(iv):.1f}"
        f"  frames over 50 ms: {sum(1 for x in iv if x > 50)}"
    )
    d = f["draws"]
    print(
        f"  canvas redraw ms: median {statistics.median(d):.1f}  p95 {pct(d, 0.95):.1f}"
        f"  max {max(d):.1f}  ({len(d)} redraws)"
    )
    lt = f["longTasks"]
    print(f"  long tasks (>50 ms): {len(lt)}" + (f", longest {max(lt):.0f} ms" if lt else ""))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def screenshots(browser: Browser, server: Server, out: Path) -> None:
    """The main views, English (blue) and Arabic (red), with notices, a restriction, a
    tactical encounter and a hotline message."""
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)

    def vol(lat: float, lng: float, d: float, lo: float, hi: float, h0: float, h1: float) -> Any:
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
            "time_start": {"value": rfc3339(now + timedelta(hours=h0)), "format": "RFC3339"},
            "time_end": {"value": rfc3339(now + timedelta(hours=h1)), "format": "RFC3339"},
        }

    server.admin.post(
        "/v1/restrictions",
        json={
            "name": "Danger area D1",
            "volumes": [
                {
                    "volume": {
                        "outline_circle": {
                            "center": {"lat": 36.4, "lng": 37.9},
                            "radius": {"value": 12000, "units": "M"},
                        },
                        "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                        "altitude_upper": {"value": 4000, "reference": "W84", "units": "M"},
                    }
                }
            ],
        },
    ).raise_for_status()
    blue = (
        server.clients["blue"]
        .put(
            f"/v1/notices/{uuid.uuid4()}",
            json={
                "volumes": [vol(35.8, 36.9, 0.2, 3000, 6000, -0.5, 2)],
                "state": "activated",
                "priority": 0,
                "key": [],
                "private": {"callsign": "BLUE01", "purpose": "training"},
            },
        )
        .json()
    )
    server.clients["red"].put(
        f"/v1/notices/{uuid.uuid4()}",
        json={
            "volumes": [
                vol(35.9, 37.15, 0.15, 4000, 7000, 0, 3),
                vol(36.7, 37.4, 0.2, 1000, 2500, 5, 8),
            ],
            "state": "accepted",
            "priority": 0,
            "key": [blue["ovn"]],
            "private": {"callsign": "RED07"},
        },
    ).raise_for_status()
    rng = random.Random(3)
    now_s = rfc3339(datetime.now(UTC))

    def state(aid: str, lat: float, lng: float, alt: float, trk: float, gs: float) -> Any:
        return {
            "aircraft_id": aid,
            "time": now_s,
            "lat": lat,
            "lng": lng,
            "altitude_m": alt,
            "ground_speed_mps": gs,
            "track_deg": trk,
            "vertical_rate_mps": 0.0,
        }

    blue_fleet = [
        state(
            f"BLU{k}",
            35.8 + rng.uniform(-0.15, 0.15),
            36.9 + rng.uniform(-0.15, 0.15),
            rng.uniform(3500, 5500),
            rng.uniform(0, 360),
            rng.uniform(60, 120),
        )
        for k in range(10, 22)
    ] + [state("BLU1", 35.76, 36.75, 5000.0, 90.0, 180.0)]
    red_fleet = [
        state(
            f"RED{k}",
            35.9 + rng.uniform(-0.1, 0.1),
            37.15 + rng.uniform(-0.1, 0.1),
            rng.uniform(4500, 6500),
            rng.uniform(0, 360),
            rng.uniform(60, 120),
        )
        for k in range(10, 22)
    ] + [state("RED1", 35.78, 37.1, 5000.0, 270.0, 180.0)]

    def post_fleets() -> None:
        """Report both fleets as of now (a state is live for ``state_timeout_s``)."""
        stamp = rfc3339(datetime.now(UTC))
        for name, fleet_states in (("blue", blue_fleet), ("red", red_fleet)):
            for st in fleet_states:
                st["time"] = stamp
            server.clients[name].post("/v1/states", json={"states": fleet_states})

    post_fleets()
    paths = server.admin.get("/openapi.json").json()["paths"]
    if "/v1/messages" in paths:
        from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object

        keys = {name: generate_private_key() for name in ("blue", "red")}
        for name, key in keys.items():
            server.clients[name].put(
                "/v1/parties/me/key", json={"public_key": public_key_b64(key)}
            ).raise_for_status()
        for template, params in (
            (
                "traffic_advisory",
                {"lat": 35.76, "lng": 36.75, "altitude_m": 5000, "track_deg": 90, "time": now_s},
            ),
            ("request_turn", {"direction": "right", "heading_deg": 180}),
        ):
            body = {
                "id": str(uuid.uuid4()),
                "to": server.ids["red"],
                "sent_at": now_s,
                "template": template,
                "params": params,
            }
            body["signature"] = sign_object(keys["blue"], body)
            server.clients["blue"].post("/v1/messages", json=body).raise_for_status()
    time.sleep(2.5)

    def focus(page: Page, aircraft: str) -> None:
        page.wait_for_selector("#conflict-list li.conflict", timeout=10_000)
        page.locator("#conflict-list li.conflict", has_text="BLU1").filter(
            has_text="RED1"
        ).first.locator(".title").click()
        page.evaluate(f"window.skyshare.traffic.select('{aircraft}')")
        page.wait_for_timeout(800)

    post_fleets()
    en = open_page(browser, server, "blue", "en")
    en.wait_for_selector("#conflict-list li.conflict", timeout=10_000)
    en.wait_for_timeout(500)
    en.screenshot(path=str(out / "overview-en.png"))
    focus(en, "BLU1")
    en.screenshot(path=str(out / "map-en.png"))
    en.click("[data-tab=notices]")
    en.wait_for_timeout(300)
    en.screenshot(path=str(out / "notices-en.png"))
    post_fleets()
    time.sleep(1.5)
    ar = open_page(browser, server, "red", "ar")
    focus(ar, "RED1")
    ar.screenshot(path=str(out / "map-ar.png"))
    if not ar.locator("#tab-hotline").is_hidden():
        ar.click("[data-tab=hotline]")
        ar.wait_for_timeout(300)
        ar.screenshot(path=str(out / "hotline-ar.png"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aircraft", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--loads", type=int, default=10)
    ap.add_argument("--screenshots", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = launch(p)
        if args.screenshots:
            server = Server(Path(tmp) / "shots")
            try:
                screenshots(browser, server, args.screenshots)
                print(f"screenshots in {args.screenshots}")
            finally:
                server.close()
        server = Server(Path(tmp) / "bench")
        try:
            loads = bench_load(browser, server, args.loads)
            print(f"page load, {args.loads} runs (ms): median / p90 / max")
            for key, label in (
                ("dcl", "DOMContentLoaded"),
                ("load", "load event"),
                ("mark", "ready, in the page"),
                ("ready", "ready, seen from Playwright"),
            ):
                v = loads[key]
                print(f"  {label:36s} {statistics.median(v):7.0f} {pct(v, 0.9):7.0f} {max(v):7.0f}")
            load = os.getloadavg()[0]
            print(f"load average before the frame runs: {load:.1f} on {os.cpu_count()} cores")
            f = bench_frames_page_only(browser, server, args.aircraft, args.seconds)
            secs = f"{args.seconds:.0f} s"
            report(f"page only (route-served GET /v1/aircraft at 1 Hz, continuous pan, {secs})", f)
            page = open_page(browser, server, "blue")
            f = bench_frames(page, server, args.aircraft, args.seconds)
            report(
                f"end to end (POST /v1/states at 1 Hz to this server, continuous pan, {secs})", f
            )
            pm = f["post_ms"]
            print(
                f"  POST /v1/states of {args.aircraft} states: median {statistics.median(pm):.0f}"
                f" ms over {len(pm)} posts"
            )
        finally:
            server.close()
        browser.close()


if __name__ == "__main__":
    main()
