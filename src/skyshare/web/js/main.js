// The operations map: sign-in, the live picture (snapshot, then the event stream), and the
// side panels. Plain ES modules, no build step.

import { ApiError, adoptTokenFromHash, api, endpoints, forgetToken, headers, optional, storedToken, storeToken } from "./api.js";
import { Hotline } from "./hotline.js";
import { duration, distance, language, num, setLanguage, t, utc } from "./i18n.js";
import { Overlays, activeAt, addBasemap, createMap, fetchBasemap } from "./map.js";
import { forgetKey } from "./signing.js";
import { follow } from "./sse.js";
import { Traffic } from "./traffic.js";

const $ = (sel) => document.querySelector(sel);
const LANG_KEY = "skyshare.lang";
const DAY_MS = 24 * 3600 * 1000;
const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Build an element: `h("li", {class: "x", dataset: {id}}, child, "text")`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "onclick") el.addEventListener("click", v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const S = {
  me: null,
  parties: new Map(),
  agreement: null,
  notices: new Map(),
  restrictions: new Map(),
  activeRestrictions: new Set(),
  conflicts: new Map(),
  aircraftEndpoint: false,
  sliderMin: 0,
  stop: [],
  map: null,
  overlays: null,
  traffic: null,
  hotline: null,
};
window.skyshare = S; // for the browser console and the tests' probes

const partyName = (id) => (id === null || id === undefined ? "skyshare" : S.parties.get(id)?.name ?? id);

// ---------------------------------------------------------------------------- sign-in

let basemapData = null;

async function boot() {
  setLanguage(sessionStorage.getItem(LANG_KEY) || navigator.language?.slice(0, 2) || "en");
  $("#lang").value = language();
  $("#lang").addEventListener("change", (e) => {
    sessionStorage.setItem(LANG_KEY, e.target.value);
    setLanguage(e.target.value);
    rerender();
  });
  tick();
  setInterval(tick, 1000);
  adoptTokenFromHash();
  $("#login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    storeToken($("#token").value.trim());
    $("#token").value = "";
    signIn();
  });
  $("#logout").addEventListener("click", signOut);
  for (const b of document.querySelectorAll("[role=tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  if (storedToken()) {
    basemapData = fetchBasemap();
    await signIn();
  } else showLogin("");
}

function showLogin(message) {
  $("#app").hidden = true;
  $("#logout").hidden = true;
  $("#who").hidden = true;
  $("#link-status").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message;
  $("#token").focus();
}

async function signIn() {
  let me;
  try {
    me = await api("/v1/parties/me");
  } catch (err) {
    forgetToken();
    showLogin(err instanceof ApiError && err.status === 401 ? t("bad_token") : err.message);
    return;
  }
  if (me.admin) {
    forgetToken();
    showLogin(t("admin_token"));
    return;
  }
  S.me = me;
  if (!sessionStorage.getItem(LANG_KEY) && me.language) {
    setLanguage(me.language);
    $("#lang").value = language();
  }
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  $("#who").hidden = false;
  await start();
}

function signOut() {
  for (const stop of S.stop) stop();
  S.stop = [];
  forgetToken();
  forgetKey();
  location.reload();
}

function tick() {
  $("#clock").textContent = utc(Date.now(), { seconds: true });
  if (S.me) {
    updateSliderLabel();
    for (const el of document.querySelectorAll("[data-cpa]")) el.textContent = cpaText(S.conflicts.get(el.dataset.cpa));
    S.traffic?.request();
  }
}

function showTab(name) {
  for (const b of document.querySelectorAll("[role=tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const p of document.querySelectorAll("[role=tabpanel]")) p.hidden = p.id !== `panel-${name}`;
}

// ---------------------------------------------------------------------------- the picture

async function start() {
  S.map = createMap($("#map"));
  S.overlays = new Overlays(S.map, { popup: (n) => noticeCard(n) });
  S.traffic = new Traffic(S.map, { onSelect: showSelection });
  S.traffic.ownParty = S.me.id;
  S.traffic.labels = (c, tcpa) => `${t("cpa_in")} ${duration(tcpa)} · ${distance(c.min_horizontal_m ?? 0)} / ${num(c.min_vertical_m ?? 0)} m`;
  const basemapJson = basemapData ?? fetchBasemap();
  const paths = endpoints();
  const has = (set, path) => set === null || set.has(path);

  // Where the stream starts: the newest event before the snapshot is read.
  const head = await api("/v1/events?after=0&limit=1", { raw: true });
  const first = await head.json();
  const after = Number(head.headers.get("X-Skyshare-Last-Seq") ?? first.at(-1)?.seq ?? 0);

  const hotline = new Hotline({ me: S.me, parties: S.parties, conflicts: () => [...S.conflicts.values()], partyName, h });
  const hotlineReady = paths.then((p) => has(p, "/v1/messages") && has(p, "/v1/templates") && hotline.load().then(() => true));
  const now = Date.now();
  const snapshot = Promise.all([
    api("/v1/parties"),
    api("/v1/agreement"),
    api(`/v1/notices?from=${rfc3339(now)}&to=${rfc3339(now + DAY_MS)}`),
    api("/v1/restrictions"),
    api(`/v1/restrictions?from=${rfc3339(now)}&to=${rfc3339(now + 60_000)}`),
    api("/v1/conflicts?status=open,acknowledged"),
    paths.then((p) => (has(p, "/v1/aircraft") ? optional("/v1/aircraft") : null)),
  ]);
  // Drawing the basemap takes the main thread for a while: start it once the snapshot
  // requests are on their way.
  const basemap = addBasemap(S.map, basemapJson).then(() => performance.mark("skyshare:basemap"));
  const [parties, agreement, notices, restrictions, active, conflicts, aircraft] = await snapshot;
  for (const p of parties) S.parties.set(p.id, p);
  $("#who").textContent = `${partyName(S.me.id)} (${t("you")})`;
  setAgreement(agreement, true);
  for (const n of notices) S.notices.set(n.id, n);
  for (const r of restrictions) S.restrictions.set(r.id, r);
  S.activeRestrictions = new Set(active.map((r) => r.id));
  S.overlays.setRestrictions([...S.restrictions.values()], S.activeRestrictions);
  for (const c of conflicts) S.conflicts.set(c.id, c);
  S.aircraftEndpoint = aircraft !== null;
  if (aircraft) S.traffic.setAircraft(aircraft);

  const slider = $("#slider");
  slider.addEventListener("input", () => { S.sliderMin = Number(slider.value); renderTime(); });
  $("#slider-now").addEventListener("click", () => { slider.value = "0"; S.sliderMin = 0; renderTime(); });
  renderNotices();
  renderConflicts();

  S.stop.push(follow("/v1/events", {
    after,
    headers,
    onEvent: apply,
    onStatus: (s) => {
      const el = $("#link-status");
      el.hidden = false;
      el.dataset.state = s;
      el.textContent = t(s === "live" ? "live" : s === "connecting" ? "connecting" : "offline");
    },
  }));
  performance.mark("skyshare:snapshot");
  if (S.aircraftEndpoint) S.stop.push(poll("/v1/aircraft", 1000, (list) => S.traffic.setAircraft(list)));

  if ((await hotlineReady) && (await hotline.start())) {
    S.hotline = hotline;
    $("#tab-hotline").hidden = false;
  }
  await basemap;
  performance.mark("skyshare:ready");
  document.body.dataset.ready = "true";
}

/** Fetch `path` every `everyMs`, never two at once. */
function poll(path, everyMs, handle) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try { handle(await api(path)); } catch { /* the next round tries again */ } finally { busy = false; }
  }, everyMs);
  return () => clearInterval(timer);
}

function setAgreement(agreement, fit) {
  S.agreement = agreement;
  S.overlays.setRegion(agreement, fit);
  S.traffic.lookaheadS = agreement.agreement.lookahead_s ?? 300;
}

function apply(event) {
  const [family, what] = event.type.split(".");
  const d = event.data;
  if (family === "notice") {
    if (what === "deleted" || d.state === "ended") S.notices.delete(d.id);
    else S.notices.set(d.id, d);
    renderNotices();
  } else if (family === "conflict") {
    if (d.status === "resolved" || d.status === "expired") S.conflicts.delete(d.id);
    else S.conflicts.set(d.id, d);
    renderConflicts();
  } else if (family === "restriction") {
    S.restrictions.set(d.id, d);
    refreshActiveRestrictions();
  } else if (family === "agreement") {
    api("/v1/agreement").then((a) => setAgreement(a, false));
  } else if (family === "message") {
    S.hotline?.changed(event);
  }
}

function rerender() {
  if (!S.me) return;
  $("#who").textContent = `${partyName(S.me.id)} (${t("you")})`;
  renderNotices();
  renderConflicts();
  S.hotline?.render();
  showSelection(S.traffic.selected ? S.traffic.state(S.traffic.selected) : null);
  S.traffic.request();
}

// ---------------------------------------------------------------------------- time slider

const sliderMs = () => Date.now() + S.sliderMin * 60_000;

function updateSliderLabel() {
  $("#slider-label").textContent = S.sliderMin === 0 ? `${t("now")} · ${utc(sliderMs())}` : utc(sliderMs());
}

let restrictionTimer = null;
function renderTime() {
  updateSliderLabel();
  renderNotices();
  clearTimeout(restrictionTimer);
  restrictionTimer = setTimeout(refreshActiveRestrictions, 200);
}

async function refreshActiveRestrictions() {
  const at = sliderMs();
  const active = await api(`/v1/restrictions?from=${rfc3339(at)}&to=${rfc3339(at + 60_000)}`);
  S.activeRestrictions = new Set(active.map((r) => r.id));
  S.overlays.setRestrictions([...S.restrictions.values()], S.activeRestrictions);
}

// ---------------------------------------------------------------------------- notices

function windowOf(n) {
  const starts = n.volumes.map((v) => Date.parse(v.time_start?.value)).filter(Number.isFinite);
  const ends = n.volumes.map((v) => Date.parse(v.time_end?.value)).filter(Number.isFinite);
  return [Math.min(...starts), Math.max(...ends)];
}

function altitudes(v) {
  const lo = v.volume.altitude_lower, hi = v.volume.altitude_upper;
  const fmt = (a) => (a && a.value !== null ? `${num(a.value)} m ${a.reference}` : "∞");
  return `${fmt(lo)} – ${fmt(hi)}`;
}

function noticeCard(n) {
  const own = n.owner === S.me.id;
  const at = sliderMs();
  const [a, b] = windowOf(n);
  const card = h("div", { class: `notice ${own ? "own" : "other"}`, dataset: { id: n.id } },
    h("div", { class: "title" },
      h("span", { class: "badge" }, partyName(n.owner)),
      h("span", {}, ` ${t("state")}: ${n.state} · ${t("priority")}: ${num(n.priority)}`),
      n.late ? h("span", { class: "badge late" }, t("late")) : null),
    h("div", { class: "muted", dir: "ltr" }, `${utc(a)} → ${utc(b)}`),
    h("ul", { class: "volumes" }, n.volumes.map((v) => h("li", { class: activeAt(v, at) ? "on" : "" },
      h("bdi", {}, altitudes(v)), " · ", h("bdi", {}, `${utc(Date.parse(v.time_start.value))} → ${utc(Date.parse(v.time_end.value))}`)))),
    h("div", { class: "muted small" }, `${t("version")}: `, h("code", {}, n.ovn)));
  if (n.private && Object.keys(n.private).length) {
    card.append(h("dl", { class: "private" }, h("dt", { class: "caption" }, t("private")),
      Object.entries(n.private).map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "string" ? v : JSON.stringify(v))])));
  }
  return card;
}

function renderNotices() {
  if (!S.overlays) return;
  const list = [...S.notices.values()].sort((x, y) => windowOf(x)[0] - windowOf(y)[0]);
  S.overlays.setNotices(list, S.me.id, sliderMs(), Date.now() + DAY_MS);
  const ol = $("#notice-list");
  ol.replaceChildren(...list.map((n) => h("li", { onclick: () => zoomToNotice(n) }, noticeCard(n))));
  $("#n-notices").textContent = num(list.length);
  $("#panel-notices .empty").hidden = list.length > 0;
}

function zoomToNotice(n) {
  const pts = [];
  for (const v of n.volumes) {
    if (v.volume.outline_polygon) for (const p of v.volume.outline_polygon.vertices) pts.push([p.lat, p.lng]);
    else pts.push([v.volume.outline_circle.center.lat, v.volume.outline_circle.center.lng]);
  }
  if (pts.length) S.map.fitBounds(pts, { padding: [60, 60], maxZoom: 10 });
}

// ---------------------------------------------------------------------------- conflicts

const SEVERITY = { critical: 0, alert: 1, warning: 2, caution: 3, advisory: 4 };

function urgency(c) {
  const mine = c.acknowledged_by.includes(S.me.id);
  return c.status === "open" ? (mine ? 1 : 0) : 2;
}

function tcpaNow(c) {
  if (c.tcpa_s === null || c.tcpa_s === undefined) return null;
  const ref = Date.parse(c.updated_at || c.time_start) || Date.now();
  return Math.max(0, c.tcpa_s - (Date.now() - ref) / 1000);
}

function cpaText(c) {
  if (!c) return "";
  const tc = tcpaNow(c);
  return tc === null ? "" : `${t("cpa_in")} ${duration(tc)}`;
}

function sortConflicts(list) {
  return list.sort((a, b) =>
    urgency(a) - urgency(b) ||
    (SEVERITY[a.severity] ?? 5) - (SEVERITY[b.severity] ?? 5) ||
    (tcpaNow(a) ?? Infinity) - (tcpaNow(b) ?? Infinity) ||
    Date.parse(b.created_at || 0) - Date.parse(a.created_at || 0));
}

function subjectText(s) {
  return s.type === "aircraft" ? `${t("aircraft")} ${s.id}` : `${t(`subject_${s.type}`)} ${String(s.id).slice(0, 8)}`;
}

function conflictItem(c) {
  const canAck = c.status === "open" && c.parties.includes(S.me.id) && !c.acknowledged_by.includes(S.me.id);
  const waiting = c.parties.filter((p) => !c.acknowledged_by.includes(p));
  return h("li", { class: `conflict ${c.status} sev-${c.severity}`, dataset: { id: c.id, status: c.status }, onclick: (e) => { if (e.target.tagName !== "BUTTON") focusConflict(c); } },
    h("div", { class: "title" },
      h("span", { class: "badge kind" }, t(`kind_${c.kind}`)),
      h("span", { class: "badge sev" }, t(`severity_${c.severity}`)),
      h("span", { class: "badge status" }, t(`status_${c.status}`))),
    h("div", { class: "subjects" }, c.subjects.map((s) => h("bdi", { class: "subject" }, subjectText(s), s.party ? ` (${partyName(s.party)})` : ""))),
    h("div", { class: "numbers" },
      c.tcpa_s !== null && c.tcpa_s !== undefined ? h("span", { class: "cpa", dataset: { cpa: c.id } }, cpaText(c)) : null,
      c.min_horizontal_m !== null ? h("span", {}, `${t("separation")}: ${t("horizontal")} ${distance(c.min_horizontal_m)}`) : null,
      c.min_vertical_m !== null ? h("span", {}, `${t("vertical")} ${num(c.min_vertical_m)} m`) : null),
    c.time_start ? h("div", { class: "muted small" }, `${t("window")}: ${utc(Date.parse(c.time_start))} → ${c.time_end ? utc(Date.parse(c.time_end)) : "…"}`) : null,
    h("div", { class: "acks" },
      c.acknowledged_by.length ? h("span", { class: "acked" }, `${t("acknowledged_by")}: ${c.acknowledged_by.map(partyName).join(", ")}`) : null,
      waiting.length ? h("span", { class: "muted" }, ` ${t("awaiting")}: ${waiting.map(partyName).join(", ")}`) : null),
    canAck ? h("button", { type: "button", class: "ack", onclick: () => acknowledgeConflict(c) }, t("acknowledge")) : null);
}

async function acknowledgeConflict(c) {
  try {
    const updated = await api(`/v1/conflicts/${encodeURIComponent(c.id)}/acknowledge`, { method: "POST" });
    S.conflicts.set(updated.id, updated);
    renderConflicts();
  } catch (err) {
    alertBar(err.message);
  }
}

function alertBar(message) {
  const el = h("div", { class: "toast", role: "alert" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 6000);
}

function renderConflicts() {
  if (!S.traffic) return;
  const list = sortConflicts([...S.conflicts.values()]);
  $("#conflict-list").replaceChildren(...list.map(conflictItem));
  $("#n-conflicts").textContent = num(list.filter((c) => c.status === "open").length);
  $("#panel-conflicts .empty").hidden = list.length > 0;
  S.traffic.setConflicts(list);
  if (!S.aircraftEndpoint) {
    // No live traffic feed on this server: show the aircraft that conflicts carry.
    const seen = new Map();
    for (const c of list) for (const a of c.aircraft || []) seen.set(a.id ?? a.aircraft_id, a);
    S.traffic.setAircraft([...seen.values()]);
  }
}

function focusConflict(c) {
  const pts = (c.aircraft || []).map((a) => [a.lat, a.lng]);
  if (pts.length) S.map.fitBounds(pts, { padding: [80, 80], maxZoom: 10 });
  else {
    const n = c.subjects.map((s) => S.notices.get(s.id)).find(Boolean);
    if (n) zoomToNotice(n);
  }
}

// ---------------------------------------------------------------------------- selection

function showSelection(a) {
  const box = $("#selection");
  if (!a) { box.hidden = true; box.replaceChildren(); return; }
  const id = a.id ?? a.aircraft_id;
  const age = (Date.now() - Date.parse(a.time)) / 1000;
  const la = S.traffic.lookaheadS;
  box.replaceChildren(
    h("div", { class: "title" }, h("bdi", {}, `${t("aircraft")} ${id}`), " · ", partyName(a.party)),
    h("dl", {},
      h("dt", {}, t("altitude")), h("dd", {}, `${num(a.altitude_m)} m`),
      h("dt", {}, t("speed")), h("dd", {}, `${num(a.ground_speed_mps)} m/s`),
      h("dt", {}, t("track")), h("dd", {}, `${num(a.track_deg)}°`),
      h("dt", {}, t("vrate")), h("dd", {}, `${num(a.vertical_rate_mps, 1)} m/s`),
      h("dt", {}, t("as_of")), h("dd", {}, `${utc(Date.parse(a.time), { seconds: true })} (${duration(age)})`),
      h("dt", {}, t("lookahead")), h("dd", {}, `${duration(la)} → ${num(a.altitude_m + a.vertical_rate_mps * la)} m`)));
  box.hidden = false;
}

boot();
