// Small spherical helpers in SI units (metres, seconds, degrees) for drawing predictions.
// WGS 84 semi-major axis as the sphere's radius: at the scale of a look-ahead (tens of km)
// the difference from the ellipsoid is far below a pixel.

export const EARTH_M = 6378137;
const RAD = Math.PI / 180;

/** The point `distance_m` from (lat, lng) along the great circle of initial bearing `track_deg`. */
export function destination(lat, lng, trackDeg, distanceM) {
  const d = distanceM / EARTH_M;
  const b = trackDeg * RAD;
  const p1 = lat * RAD;
  const l1 = lng * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 / RAD, ((((l2 / RAD) + 540) % 360) - 180)];
}

/** Web Mercator world coordinates at zoom 0 (256 px across), as Leaflet's EPSG:3857 uses. */
export function mercator(lat, lng) {
  const s = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat)) * RAD);
  return [((lng + 180) / 360) * 256, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256];
}

/** Web Mercator world units (zoom 0) per metre on the ground at latitude `lat`. */
export function unitsPerMetre(lat) {
  return 256 / (2 * Math.PI * EARTH_M * Math.cos(lat * RAD));
}

/** Where an aircraft state is predicted `dt_s` after its time, on a constant track and speed. */
export function predict(a, dtS) {
  const [lat, lng] = destination(a.lat, a.lng, a.track_deg, a.ground_speed_mps * dtS);
  return { lat, lng, altitude_m: a.altitude_m + a.vertical_rate_mps * dtS };
}
