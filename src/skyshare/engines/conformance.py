"""Aircraft against zones: conformance to notice volumes, predicted entry into restrictions.

Zones are footprints with a vertical band and a time window, prepared once into longitude/
latitude shapely polygons under an STR-tree. Polygon edges are straight in longitude/latitude
(the plane ``model.volume.check_polygon`` validates them in); circles become circumscribed
64-gons, so a point inside the circle is always inside the polygon (conservative by at most
0.12 % of the radius). A horizontal buffer is applied in metres in a local equirectangular
frame around each footprint before converting back, so "within 500 m of the volume" means
metres, not degrees. Limits: footprints crossing the antimeridian are not handled here, and
AGL limits are compared as if the ground were at the ellipsoid (no terrain model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skyshare.engines.focus import dead_reckon
from skyshare.model.volume import Circle, Footprint
from skyshare.units import EARTH_RADIUS_M

__all__ = ["ZoneEntries", "Zones", "conforming", "predicted_entries", "prepare_zones"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
_CIRCLE_SIDES = 64


@dataclass(frozen=True, slots=True, eq=False)
class Zones:
    """Prepared zones: polygons in (lng, lat) degrees, bands in metres, windows in epoch s."""

    polygons: NDArray[np.object_]
    lower_m: F64
    upper_m: F64
    start_s: F64
    end_s: F64
    tree: shapely.STRtree

    def __len__(self) -> int:
        return int(self.polygons.shape[0])


def _ring_xy(fp: Footprint) -> tuple[float, float, list[tuple[float, float]]]:
    """Centre (lat, lng) and ring in local metres (x east, y north)."""
    if isinstance(fp, Circle):
        lat0, lng0 = fp.center.lat, fp.center.lng
        r = fp.radius_m / math.cos(math.pi / _CIRCLE_SIDES)
        ring = [
            (r * math.sin(a), r * math.cos(a))
            for a in np.linspace(0.0, 2 * math.pi, _CIRCLE_SIDES, endpoint=False)
        ]
        return lat0, lng0, ring
    lats = [v.lat for v in fp.vertices]
    lngs = [v.lng for v in fp.vertices]
    lat0, lng0 = sum(lats) / len(lats), sum(lngs) / len(lngs)
    k = EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ring = [
        ((lng - lng0) * math.pi / 180.0 * k, (lat - lat0) * math.pi / 180.0 * EARTH_RADIUS_M)
        for lat, lng in zip(lats, lngs, strict=True)
    ]
    return lat0, lng0, ring


def _polygon(fp: Footprint, buffer_m: float) -> shapely.Geometry:
    lat0, lng0, ring = _ring_xy(fp)
    geom = shapely.Polygon(ring)
    if buffer_m > 0.0:
        geom = geom.buffer(buffer_m, quad_segs=8)
    k = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * math.pi / 180.0
    kr = EARTH_RADIUS_M * math.pi / 180.0

    def to_deg(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack((lng0 + xy[:, 0] / k, lat0 + xy[:, 1] / kr))

    return shapely.transform(geom, to_deg)


def prepare_zones(
    footprints: Sequence[Footprint],
    lower_m: Sequence[float],
    upper_m: Sequence[float],
    start_s: Sequence[float],
    end_s: Sequence[float],
    *,
    buffer_h_m: float = 0.0,
) -> Zones:
    """Zones from footprints; use ``-inf``/``inf`` for no lower/upper limit or open windows."""
    polys = np.array([_polygon(fp, buffer_h_m) for fp in footprints], dtype=object)
    return Zones(
        polygons=polys,
        lower_m=np.asarray(lower_m, dtype=np.float64),
        upper_m=np.asarray(upper_m, dtype=np.float64),
        start_s=np.asarray(start_s, dtype=np.float64),
        end_s=np.asarray(end_s, dtype=np.float64),
        tree=shapely.STRtree(polys),
    )


def conforming(
    zones: Zones,
    zone_group: I64,
    lat_deg: F64,
    lng_deg: F64,
    alt_m: F64,
    group: I64,
    *,
    now_s: float,
    buffer_v_m: float,
) -> NDArray[np.bool_]:
    """Per aircraft: inside (with buffers) some zone of its own group whose window holds now.

    ``zones`` should be prepared with the horizontal buffer; ``buffer_v_m`` widens each band.
    """
    out = np.zeros(np.shape(lat_deg)[0], dtype=bool)
    if len(zones) == 0 or out.shape[0] == 0:
        return out
    pts = shapely.points(lng_deg, lat_deg)
    a, z = zones.tree.query(pts, predicate="intersects")
    ok = (
        (zone_group[z] == group[a])
        & (zones.start_s[z] <= now_s)
        & (now_s <= zones.end_s[z])
        & (alt_m[a] >= zones.lower_m[z] - buffer_v_m)
        & (alt_m[a] <= zones.upper_m[z] + buffer_v_m)
    )
    out[a[ok]] = True
    return out


@dataclass(frozen=True, slots=True)
class ZoneEntries:
    """Earliest predicted entry of aircraft ``aircraft[k]`` into zone ``zone[k]``.

    ``t_entry_s`` is seconds from now (0 when already inside); sorted by (aircraft, zone).
    """

    aircraft: I64
    zone: I64
    t_entry_s: F64

    def __len__(self) -> int:
        return int(self.aircraft.shape[0])


def _intervals(piece: shapely.Geometry, line: shapely.Geometry) -> list[tuple[float, float]]:
    """Fractions of ``line`` covered by the pieces of its intersection with a polygon."""
    out: list[tuple[float, float]] = []
    parts = shapely.get_parts(piece)
    for p in parts:
        coords = shapely.get_coordinates(p)
        if coords.shape[0] == 0:
            continue
        fr = shapely.line_locate_point(line, shapely.points(coords), normalized=True)
        out.append((float(np.min(fr)), float(np.max(fr))))
    return out


def predicted_entries(
    zones: Zones,
    lat_deg: F64,
    lng_deg: F64,
    alt_m: F64,
    gs_mps: F64,
    trk_deg: F64,
    vs_mps: F64,
    *,
    now_s: float,
    lookahead_s: float,
) -> ZoneEntries:
    """Aircraft whose straight-line path enters a zone (footprint, band and window at once).

    The path over ``[0, lookahead_s]`` is a segment; its intersection with each candidate
    polygon gives the horizontal intervals, the altitude line gives the vertical interval,
    the zone's window the time interval; the earliest common instant is the entry.
    """
    n = int(np.shape(lat_deg)[0])
    ints = np.empty(0, dtype=np.int64)
    if len(zones) == 0 or n == 0:
        return ZoneEntries(ints, ints, np.empty(0))
    end = dead_reckon(
        lat_deg, lng_deg, alt_m, gs_mps, trk_deg, vs_mps, np.full(n, float(lookahead_s))
    )
    # A path too short to move the end point in floating point is a point, not a line.
    moving = (end.lat_deg != lat_deg) | (end.lng_deg != lng_deg)
    lines = np.where(
        moving,
        shapely.linestrings(
            np.stack(
                (np.column_stack((lng_deg, lat_deg)), np.column_stack((end.lng_deg, end.lat_deg))),
                axis=1,
            )
        ),
        shapely.points(lng_deg, lat_deg),
    )
    a, z = zones.tree.query(lines, predicate="intersects")
    found_a: list[int] = []
    found_z: list[int] = []
    found_t: list[float] = []
    for ai, zi in zip(a.tolist(), z.tolist(), strict=True):
        if moving[ai]:
            horiz = [
                (f0 * lookahead_s, f1 * lookahead_s)
                for f0, f1 in _intervals(
                    shapely.intersection(lines[ai], zones.polygons[zi]), lines[ai]
                )
            ]
        else:
            horiz = [(0.0, lookahead_s)]
        vs = float(vs_mps[ai])
        alt = float(alt_m[ai])
        lo, hi = float(zones.lower_m[zi]), float(zones.upper_m[zi])
        if vs == 0.0:
            if not lo <= alt <= hi:
                continue
            v0, v1 = 0.0, lookahead_s
        else:
            ta, tb = (lo - alt) / vs, (hi - alt) / vs
            v0, v1 = min(ta, tb), max(ta, tb)
        w0 = float(zones.start_s[zi]) - now_s
        w1 = float(zones.end_s[zi]) - now_s
        best = math.inf
        for h0, h1 in horiz:
            t0 = max(h0, v0, w0, 0.0)
            t1 = min(h1, v1, w1, lookahead_s)
            if t0 <= t1:
                best = min(best, t0)
        if best < math.inf:
            found_a.append(ai)
            found_z.append(zi)
            found_t.append(best)
    fa = np.asarray(found_a, dtype=np.int64)
    fz = np.asarray(found_z, dtype=np.int64)
    order = np.lexsort((fz, fa))
    return ZoneEntries(fa[order], fz[order], np.asarray(found_t, dtype=np.float64)[order])
