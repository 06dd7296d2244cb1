// Live aircraft, their heading vectors, a selected aircraft's predicted path and the tactical
// conflicts between aircraft, drawn on one canvas above the map (never a DOM node per
// aircraft). Positions are kept as Web Mercator world coordinates in typed arrays, so a
// redraw is arithmetic plus one path per colour.

import { mercator, predict, unitsPerMetre } from "./geo.js";

const VECTOR_S = 60; // a heading vector shows one minute of travel
// Darker than the notice fills of the same party, so aircraft stand out over their volumes.
const OWN = "#0b3d91";
const OTHER = "#9c3100";
const CONFLICT = "#e03131";
const ACKED = "#f59f00";

export class Traffic {
  constructor(map, { onSelect }) {
    this.map = map;
    this.onSelect = onSelect;
    this.ownParty = null;
    this.lookaheadS = 300;
    this.states = [];
    this.index = null;
    this.ids = [];
    this.wx = new Float64Array(0);
    this.wy = new Float64Array(0);
    this.vx = new Float32Array(0);
    this.vy = new Float32Array(0);
    this.own = new Uint8Array(0);
    this.conflicts = [];
    this.selected = null;
    this.pending = false;
    this.labels = null;
    this.drawTimes = []; // the last 600 redraw durations in ms, for measurement
    this.canvas = document.createElement("canvas");
    this.canvas.className = "traffic";
    map.getContainer().appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    map.on("move resize viewreset", () => this.request());
    map.on("zoomstart", () => { this.canvas.style.visibility = "hidden"; });
    map.on("zoomend", () => { this.canvas.style.visibility = ""; this.request(); });
    map.on("click", (e) => this.pick(e.containerPoint));
    this.resize();
    map.on("resize", () => this.resize());
  }

  resize() {
    const size = this.map.getSize();
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(size.x * dpr);
    this.canvas.height = Math.round(size.y * dpr);
    this.canvas.style.width = `${size.x}px`;
    this.canvas.style.height = `${size.y}px`;
    this.request();
  }

  /** Replace the live picture with these states (`GET /v1/aircraft` items). */
  setAircraft(states) {
    const n = states.length;
    if (this.wx.length !== n) {
      this.wx = new Float64Array(n); this.wy = new Float64Array(n);
      this.vx = new Float32Array(n); this.vy = new Float32Array(n);
      this.own = new Uint8Array(n);
    }
    const { wx, wy, vx, vy, own } = this;
    const ids = new Array(n);
    const RAD = Math.PI / 180;
    for (let i = 0; i < n; i++) {
      const a = states[i];
      ids[i] = a.id ?? a.aircraft_id;
      // Web Mercator at zoom 0 (geo.js mercator, inlined: this runs 5,000 times a second)
      const lat = a.lat > 85.0511 ? 85.0511 : a.lat < -85.0511 ? -85.0511 : a.lat;
      const s = Math.sin(lat * RAD);
      wx[i] = ((a.lng + 180) / 360) * 256;
      wy[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
      const k = unitsPerMetre(a.lat) * a.ground_speed_mps * VECTOR_S;
      const r = a.track_deg * RAD;
      vx[i] = Math.sin(r) * k; vy[i] = -Math.cos(r) * k;
      own[i] = a.party === this.ownParty ? 1 : 0;
    }
    this.states = states;
    this.ids = ids;
    this.index = null; // id -> position, built when first asked for
    if (this.selected && !this.state(this.selected)) this.select(null);
    this.request();
  }

  /** The live state of an aircraft id, or undefined. */
  live(id) {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.ids.length; i++) this.index.set(this.ids[i], i);
    }
    const i = this.index.get(id);
    return i === undefined ? undefined : this.states[i];
  }

  /** The tactical conflicts to draw (Conflict objects with their `aircraft`). */
  setConflicts(conflicts) {
    this.conflicts = conflicts.filter((c) => (c.aircraft || []).length >= 2);
    this.request();
  }

  conflictAircraft(id) {
    for (const c of this.conflicts) for (const a of c.aircraft) if ((a.id ?? a.aircraft_id) === id) return a;
    return null;
  }

  /** The freshest state known for an aircraft id. */
  state(id) {
    return this.live(id) || this.conflictAircraft(id);
  }

  select(id) {
    this.selected = id;
    this.onSelect(id ? this.state(id) : null);
    this.request();
  }

  pick(point) {
    const { tlx, tly, scale } = this.view();
    let best = -1, bestD = 100; // 10 px
    for (let i = 0; i < this.ids.length; i++) {
      const dx = this.wx[i] * scale - tlx - point.x, dy = this.wy[i] * scale - tly - point.y;
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best >= 0) this.select(this.ids[best]);
    else if (this.selected) this.select(null);
  }

  view() {
    const map = this.map;
    const scale = 2 ** map.getZoom();
    const tl = map.containerPointToLayerPoint([0, 0]).add(map.getPixelOrigin());
    return { tlx: tl.x, tly: tl.y, scale };
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const t0 = performance.now();
    this.paint();
    this.drawTimes.push(performance.now() - t0);
    if (this.drawTimes.length > 600) this.drawTimes.splice(0, this.drawTimes.length - 600);
  }

  paint() {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const size = this.map.getSize();
    ctx.clearRect(0, 0, size.x, size.y);
    const { tlx, tly, scale } = this.view();
    const w = size.x + 40, h = size.y + 40;
    // Skia rasterises many small paths far faster than one huge one (a 5,000-contour fill
    // costs ~10x more than 80 fills of 64), so glyphs and vectors are flushed in batches.
    ctx.lineWidth = 1;
    for (const party of [0, 1]) {
      const colour = party ? OWN : OTHER;
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      let glyphs = new Path2D(), vectors = new Path2D(), batch = 0;
      for (let i = 0; i < this.ids.length; i++) {
        if (this.own[i] !== party) continue;
        const x = this.wx[i] * scale - tlx, y = this.wy[i] * scale - tly;
        if (x < -40 || y < -40 || x > w || y > h) continue;
        const vx = this.vx[i] * scale, vy = this.vy[i] * scale;
        const len = Math.hypot(vx, vy);
        const ux = len > 0.01 ? vx / len : 0, uy = len > 0.01 ? vy / len : -1;
        // a chevron pointing along the track, and one minute of travel ahead (12 px at least)
        glyphs.moveTo(x + ux * 6, y + uy * 6);
        glyphs.lineTo(x - ux * 4 - uy * 4, y - uy * 4 + ux * 4);
        glyphs.lineTo(x - ux * 1.5, y - uy * 1.5);
        glyphs.lineTo(x - ux * 4 + uy * 4, y - uy * 4 - ux * 4);
        glyphs.closePath();
        const reach = Math.max(len, 12);
        vectors.moveTo(x + ux * 6, y + uy * 6);
        vectors.lineTo(x + ux * reach, y + uy * reach);
        if (++batch === 64) {
          ctx.stroke(vectors); ctx.fill(glyphs);
          glyphs = new Path2D(); vectors = new Path2D(); batch = 0;
        }
      }
      if (batch) { ctx.stroke(vectors); ctx.fill(glyphs); }
    }
    this.drawConflicts(ctx, tlx, tly, scale);
    this.drawSelected(ctx, tlx, tly, scale);
  }

  toScreen(lat, lng, tlx, tly, scale) {
    const [x, y] = mercator(lat, lng);
    return [x * scale - tlx, y * scale - tly];
  }

  drawConflicts(ctx, tlx, tly, scale) {
    const now = Date.now();
    ctx.font = "12px system-ui, sans-serif";
    ctx.direction = "ltr"; // the label box is laid out left to right in every language
    ctx.textAlign = "left";
    for (const c of this.conflicts) {
      const [a0, b0] = c.aircraft;
      const colour = c.status === "open" ? CONFLICT : ACKED;
      const ref = Date.parse(c.updated_at || c.time_start) || now;
      const tcpa = Math.max(0, (c.tcpa_s ?? 0) - (now - ref) / 1000);
      const pa = predict(a0, c.tcpa_s ?? 0), pb = predict(b0, c.tcpa_s ?? 0);
      const a = this.state(a0.id ?? a0.aircraft_id) || a0, b = this.state(b0.id ?? b0.aircraft_id) || b0;
      const [ax, ay] = this.toScreen(a.lat, a.lng, tlx, tly, scale);
      const [bx, by] = this.toScreen(b.lat, b.lng, tlx, tly, scale);
      const [pax, pay] = this.toScreen(pa.lat, pa.lng, tlx, tly, scale);
      const [pbx, pby] = this.toScreen(pb.lat, pb.lng, tlx, tly, scale);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(pax, pay); ctx.moveTo(bx, by); ctx.lineTo(pbx, pby); ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(pax, pay); ctx.lineTo(pbx, pby); ctx.stroke();
      const mx = (pax + pbx) / 2, my = (pay + pby) / 2;
      ctx.beginPath(); ctx.arc(mx, my, 6, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.arc(ax, ay, 9, 0, 2 * Math.PI); ctx.arc(bx, by, 9, 0, 2 * Math.PI); ctx.stroke();
      const label = this.labels ? this.labels(c, tcpa) : "";
      if (label) {
        const wdt = ctx.measureText(label).width;
        ctx.fillStyle = "rgba(255,255,255,0.9)";
        ctx.fillRect(mx + 9, my - 9, wdt + 8, 18);
        ctx.fillStyle = colour;
        ctx.fillText(label, mx + 13, my + 4);
      }
    }
  }

  drawSelected(ctx, tlx, tly, scale) {
    if (!this.selected) return;
    const a = this.state(this.selected);
    if (!a) return;
    const steps = Math.max(1, Math.round(this.lookaheadS / 30));
    ctx.strokeStyle = "#111";
    ctx.fillStyle = "#111";
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    const [x0, y0] = this.toScreen(a.lat, a.lng, tlx, tly, scale);
    ctx.moveTo(x0, y0);
    const ticks = [];
    for (let k = 1; k <= steps; k++) {
      const p = predict(a, (this.lookaheadS * k) / steps);
      const [x, y] = this.toScreen(p.lat, p.lng, tlx, tly, scale);
      ctx.lineTo(x, y);
      if (((this.lookaheadS * k) / steps) % 60 === 0) ticks.push([x, y]);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [x, y] of ticks) { ctx.beginPath(); ctx.arc(x, y, 2.5, 0, 2 * Math.PI); ctx.fill(); }
    ctx.beginPath(); ctx.arc(x0, y0, 11, 0, 2 * Math.PI); ctx.stroke();
  }
}
