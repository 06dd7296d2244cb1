// The Leaflet map: an offline Natural Earth basemap (land and borders from world-atlas,
// converted to GeoJSON when vendored: scripts/vendor-web), the agreement region, notice volumes
// and restrictions. Vectors are drawn on Leaflet's canvas renderer.

/* global L */

const OWN = "#1c64f2";
const OTHER = "#e8590c";
const RESTRICTION = "#c92a2a";

export function createMap(element) {
  const map = L.map(element, {
    preferCanvas: true,
    worldCopyJump: false,
    minZoom: 2,
    maxZoom: 14,
    zoomSnap: 0.25,
    attributionControl: true,
  }).setView([36, 37.5], 7);
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Natural Earth");
  for (const [name, z] of [["base", 200], ["region", 350], ["restrictions", 380], ["notices", 390]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  return map;
}

/** Fetch the basemap early (before sign-in completes); draw it with `addBasemap`. */
export function fetchBasemap() {
  return fetch("/assets/vendor/world-atlas/basemap-50m.geojson").then((r) => r.json());
}

export async function addBasemap(map, basemap) {
  const collection = await basemap;
  performance.mark("skyshare:basemap-data");
  const renderer = L.canvas({ pane: "base", padding: 0.5 });
  for (const feature of collection.features) {
    const land = feature.properties.layer === "land";
    L.geoJSON(feature, {
      pane: "base", renderer, interactive: false,
      style: land
        ? { color: "#7d8a96", weight: 1, fillColor: "#eef0ea", fillOpacity: 1 }
        : { color: "#a3aab2", weight: 1 },
    }).addTo(map);
  }
}

/** Leaflet layers for one Volume4D footprint (polygon or circle). */
function footprint(volume, options) {
  const v = volume.volume;
  if (v.outline_circle) {
    const c = v.outline_circle;
    return L.circle([c.center.lat, c.center.lng], { radius: c.radius.value, ...options });
  }
  return L.polygon(v.outline_polygon.vertices.map((p) => [p.lat, p.lng]), options);
}

const timeOf = (t) => (t && t.value ? Date.parse(t.value) : null);

/** Whether a volume's time window holds `ms` (a missing bound is open). */
export function activeAt(volume, ms) {
  const a = timeOf(volume.time_start), b = timeOf(volume.time_end);
  return (a === null || a <= ms) && (b === null || ms <= b);
}

export class Overlays {
  constructor(map, { popup }) {
    this.map = map;
    this.popup = popup;
    this.region = null;
    this.noticeGroup = L.layerGroup().addTo(map);
    this.restrictionGroup = L.layerGroup().addTo(map);
    this.renderer = L.canvas({ padding: 0.5, pane: "notices" });
    this.restrictionRenderer = L.canvas({ padding: 0.5, pane: "restrictions" });
  }

  setRegion(agreement, fit) {
    if (this.region) this.region.remove();
    const pts = agreement.agreement.region.map(([lat, lng]) => [lat, lng]);
    this.region = L.polygon(pts, {
      pane: "region", interactive: false, color: "#364fc7", weight: 2, dashArray: "10 6", fill: false,
    }).addTo(this.map);
    if (fit) this.map.fitBounds(this.region.getBounds(), { padding: [30, 30] });
  }

  /** Draw notices as at `ms`: active volumes strong, others of the next 24 h faint. */
  setNotices(notices, ownParty, ms, horizonMs) {
    this.noticeGroup.clearLayers();
    for (const n of notices) {
      const own = n.owner === ownParty;
      const colour = own ? OWN : OTHER;
      for (const v of n.volumes) {
        const end = timeOf(v.time_end);
        if (end !== null && end < ms) continue;
        const start = timeOf(v.time_start);
        if (start !== null && start > horizonMs) continue;
        const on = activeAt(v, ms);
        const layer = footprint(v, {
          renderer: this.renderer, pane: "notices", color: colour,
          weight: on ? 2 : 1, opacity: on ? 0.95 : 0.6, dashArray: on ? null : "5 5",
          fillColor: colour, fillOpacity: on ? 0.28 : 0.05,
        });
        layer.bindPopup(() => this.popup(n));
        this.noticeGroup.addLayer(layer);
      }
    }
  }

  /** Restrictions: those in force at the chosen time (`activeIds`) strong, the rest faint. */
  setRestrictions(restrictions, activeIds) {
    this.restrictionGroup.clearLayers();
    for (const r of restrictions) {
      const on = activeIds.has(r.id);
      for (const v of r.volumes) {
        const layer = footprint(v, {
          renderer: this.restrictionRenderer, pane: "restrictions", color: RESTRICTION,
          weight: on ? 2 : 1, opacity: on ? 0.9 : 0.45, dashArray: on ? null : "2 4",
          fillColor: RESTRICTION, fillOpacity: on ? 0.22 : 0.03,
        });
        layer.bindTooltip(r.name || r.id, { sticky: true });
        this.restrictionGroup.addLayer(layer);
      }
    }
  }
}
