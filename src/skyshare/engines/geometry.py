"""Footprints in metres: densified rings, bounding caps, distances and bounding-box tests.

A polygon edge is straight in longitude/latitude, the short way round (RFC 7946 §3.1.1, and
the plane in which :func:`skyshare.model.volume.check_polygon` validates it). On the sphere
such an edge is a curve, so it is cut into pieces until each lies within
:data:`DENSIFY_TOL_M` of the great-circle chord that replaces it and none is longer than
:data:`MAX_SEGMENT_M`. Pairs are then compared in an azimuthal equidistant projection
centred between them (:mod:`skyshare.engines.projection`).

Error bound of :func:`pair_distances_m` against the true great-circle distance ``d``::

    d − 2·(DENSIFY_TOL_M + 0.5 m)  ≤  computed  ≤  d · θ/sin θ + 2·(DENSIFY_TOL_M + 0.5 m)

where ``θ`` is the angular distance from the projection centre to the closest points, and
0.5 m bounds how far a ≤ 20 km chord's image bends within 1,000 km of the centre. For
footprints under 100 km across and gaps under 10 km, ``θ/sin θ − 1 < 10⁻⁴``: the result is
within about 3 m. Circles against circles use the exact great-circle formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skyshare.engines.projection import (
    FloatArray,
    aeqd_project_framed,
    central_angle,
    latlng_to_unit,
    local_frames,
    midpoint_unit,
)
from skyshare.model.volume import Circle, Footprint, Polygon, unwrap_longitudes
from skyshare.units import EARTH_RADIUS_M

__all__ = [
    "DENSIFY_TOL_M",
    "MAX_SEGMENT_M",
    "FootprintArrays",
    "PreparedFootprint",
    "bounding_cap",
    "box_cap",
    "footprint_distance_m",
    "footprints_intersect_bbox",
    "indexed_pair_distances_m",
    "pair_distances_m",
    "prepare_footprint_arrays",
    "prepare_footprints",
    "projected_geometry",
]

#: Largest distance between a polygon's edge and the chords that stand for it.
DENSIFY_TOL_M = 1.0
#: Longest chord: keeps the image of a chord straight to 0.5 m within 1,000 km of the centre.
MAX_SEGMENT_M = 20_000.0
#: Added to every bounding cap so it also holds the chords and their projected images.
_CAP_MARGIN_M = 2.0 * DENSIFY_TOL_M + 1.0
_MAX_ROUNDS = 8
_MAX_PIECES = 4096


@dataclass(frozen=True, slots=True, eq=False)
class PreparedFootprint:
    """A footprint as unit vectors: ready to project around any centre.

    ``centre`` is the circle's centre, or the centre of the polygon's bounding cap;
    ``cap_radius_rad`` bounds the whole footprint around it (circles included).
    """

    centre: FloatArray
    cap_radius_rad: float
    radius_m: float
    ring: FloatArray | None

    @property
    def is_circle(self) -> bool:
        return self.ring is None


@dataclass(frozen=True, slots=True, eq=False)
class FootprintArrays:
    """Prepared footprints as structure-of-arrays: what the pair distances read.

    Footprint ``i`` is centred at ``centre[i]`` (the circle's centre, or the centre of the
    polygon's bounding cap) with ``cap_radius_rad[i]`` holding all of it; a circle has
    ``radius_m[i] > 0`` or not, and ``ring_len[i] == 0``; a polygon's closed densified ring
    is ``ring_xyz[ring_start[i] : ring_start[i] + ring_len[i]]``. Rows that no footprint
    uses may sit between rings (the index leaves removed rings in place until it compacts).
    """

    centre: FloatArray
    cap_radius_rad: FloatArray
    radius_m: FloatArray
    ring_start: NDArray[np.intp]
    ring_len: NDArray[np.intp]
    ring_xyz: FloatArray

    def __len__(self) -> int:
        return len(self.radius_m)

    @classmethod
    def of(cls, prepared: Sequence[PreparedFootprint]) -> FootprintArrays:
        """The arrays of footprints prepared one by one (rings copied once, in order)."""
        n = len(prepared)
        rings = [p.ring for p in prepared if p.ring is not None]
        lengths = np.fromiter((0 if p.ring is None else len(p.ring) for p in prepared), np.intp, n)
        return cls(
            centre=np.stack([p.centre for p in prepared]).reshape(n, 3),
            cap_radius_rad=np.fromiter((p.cap_radius_rad for p in prepared), np.float64, n),
            radius_m=np.fromiter((p.radius_m for p in prepared), np.float64, n),
            ring_start=np.cumsum(lengths) - lengths,
            ring_len=lengths,
            ring_xyz=np.concatenate(rings) if rings else np.empty((0, 3)),
        )

    def footprint(self, i: int) -> PreparedFootprint:
        """Footprint ``i`` on its own (its ring a view of ``ring_xyz``)."""
        start, length = int(self.ring_start[i]), int(self.ring_len[i])
        return PreparedFootprint(
            self.centre[i],
            float(self.cap_radius_rad[i]),
            float(self.radius_m[i]),
            self.ring_xyz[start : start + length] if length else None,
        )


def _angle_rad(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle angle between two points in degrees (haversine, scalar)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2.0) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2.0) ** 2
    )
    return 2.0 * math.asin(min(1.0, math.sqrt(h)))


def _wrap_lng(lng: float) -> float:
    return (lng + 180.0) % 360.0 - 180.0


def bounding_cap(footprint: Footprint) -> tuple[float, float, float]:
    """``(lat, lng, radius_rad)`` of a spherical cap holding the footprint.

    A polygon lies in its longitude/latitude box, and the point of such a box farthest from
    the box's centre is a corner: along a parallel the distance grows with the longitude
    difference (up to 180°), along a meridian it is largest at an end. So the cap around the
    box centre through the farthest corner holds the polygon. Pure Python: ``add`` calls it
    for every volume.

    >>> from skyshare.model.volume import LatLng
    >>> lat, lng, r = bounding_cap(Circle(LatLng(10.0, 179.0), 6371.0))
    >>> (lat, lng, round(r, 6))
    (10.0, 179.0, 0.001)
    """
    margin = _CAP_MARGIN_M / EARTH_RADIUS_M
    if isinstance(footprint, Circle):
        c = footprint.center
        return c.lat, c.lng, footprint.radius_m / EARTH_RADIUS_M + 1e-9
    lats = [v.lat for v in footprint.vertices]
    lngs = unwrap_longitudes([v.lng for v in footprint.vertices])
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    clat = 0.5 * (lat0 + lat1)
    if lng1 - lng0 >= 360.0:
        return clat, 0.0, math.pi
    clng = 0.5 * (lng0 + lng1)
    radius = max(
        _angle_rad(clat, clng, lat0, lng0),
        _angle_rad(clat, clng, lat0, lng1),
        _angle_rad(clat, clng, lat1, lng0),
        _angle_rad(clat, clng, lat1, lng1),
    )
    return clat, _wrap_lng(clng), min(math.pi, radius + margin)


def box_cap(
    min_lng: float, min_lat: float, max_lng: float, max_lat: float
) -> tuple[float, float, float]:
    """``(lat, lng, radius_rad)`` of a cap holding a lng/lat box (``min_lng > max_lng`` wraps).

    Same corner argument as :func:`bounding_cap`.

    >>> [round(x, 3) for x in box_cap(170.0, -1.0, -170.0, 1.0)]
    [0.0, -180.0, 0.175]
    """
    span = _box_lng_span(min_lng, max_lng)
    clat = 0.5 * (min_lat + max_lat)
    clng = min_lng + 0.5 * span
    radius = max(
        _angle_rad(clat, clng, la, lo)
        for la in (min_lat, max_lat)
        for lo in (min_lng, min_lng + span)
    )
    return clat, _wrap_lng(clng), min(math.pi, radius + 1e-9)


def _unit_components(lat: FloatArray, lng: FloatArray) -> tuple[FloatArray, ...]:
    phi, lam = np.radians(lat), np.radians(lng)
    c = np.cos(phi)
    return c * np.cos(lam), c * np.sin(lam), np.sin(phi)


def _edge_deviation_m(
    lat0: FloatArray, lng0: FloatArray, lat1: FloatArray, lng1: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Largest distance of each lng/lat-straight edge from its great-circle chord, and length.

    Sampled at the quarter points, so an edge whose curvature changes sign (one crossing
    the equator) is not judged straight by its midpoint alone. Written on components: these
    arrays are small and numpy's per-call overhead dominates.
    """
    dlat, dlng = lat1 - lat0, lng1 - lng0
    # Both ends and the three quarter points in one pass: rows 0 and 1 are the ends.
    t = np.array([[0.25], [0.5], [0.75]])
    xs, ys, zs = _unit_components(
        np.concatenate([lat0[None], lat1[None], lat0 + t * dlat]),
        np.concatenate([lng0[None], lng1[None], lng0 + t * dlng]),
    )
    ax, ay, az, bx, by, bz = xs[0], ys[0], zs[0], xs[1], ys[1], zs[1]
    nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    nn = np.sqrt(nx * nx + ny * ny + nz * nz)
    length = np.arctan2(nn, ax * bx + ay * by + az * bz) * EARTH_RADIUS_M
    degenerate = nn < 1e-15
    inv = 1.0 / np.where(degenerate, 1.0, nn)
    off = np.abs(xs[2:] * nx + ys[2:] * ny + zs[2:] * nz) * inv
    dev = np.arcsin(np.minimum(off, 1.0)).max(axis=0)
    if degenerate.any():
        p0 = np.stack([ax, ay, az], axis=-1)[degenerate]
        p1 = np.stack([bx, by, bz], axis=-1)[degenerate]
        for row in (2, 3, 4):
            q = np.stack([xs[row], ys[row], zs[row]], axis=-1)[degenerate]
            near = np.minimum(central_angle(q, p0), central_angle(q, p1))
            dev[degenerate] = np.maximum(dev[degenerate], near)
    return dev * EARTH_RADIUS_M, length


def _densify_edges(
    lat0: FloatArray, lng0: FloatArray, lat1: FloatArray, lng1: FloatArray, owner: NDArray[np.intp]
) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """Edge start points after cutting edges until every piece passes the tolerance."""
    for _ in range(_MAX_ROUNDS):
        dev, length = _edge_deviation_m(lat0, lng0, lat1, lng1)
        by_bend = np.ceil(np.sqrt(dev / (0.9 * DENSIFY_TOL_M)))
        by_length = np.ceil(length / MAX_SEGMENT_M)
        pieces = np.clip(np.maximum(by_bend, by_length), 1, _MAX_PIECES).astype(np.intp)
        if not np.any(pieces > 1):
            break
        idx = np.repeat(np.arange(lat0.size), pieces)
        k = np.arange(idx.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        n = pieces[idx].astype(np.float64)
        t0, t1 = k / n, (k + 1) / n
        last = k + 1 == pieces[idx]
        dlat, dlng = (lat1 - lat0)[idx], (lng1 - lng0)[idx]
        a_lat, a_lng = lat0[idx], lng0[idx]
        lat0, lng0 = a_lat + t0 * dlat, a_lng + t0 * dlng
        lat1 = np.where(last, lat1[idx], a_lat + t1 * dlat)
        lng1 = np.where(last, lng1[idx], a_lng + t1 * dlng)
        owner = owner[idx]
    return lat0, lng0, owner


def prepare_footprint_arrays(
    footprints: Sequence[Footprint], caps: Sequence[tuple[float, float, float]] | None = None
) -> FootprintArrays:
    """Footprints as unit vectors with densified rings, in one vectorized pass.

    ``caps`` are the footprints' :func:`bounding_cap` values when the caller already has them.
    """
    if caps is None:
        caps = [bounding_cap(f) for f in footprints]
    n = len(footprints)
    cap_xyz = latlng_to_unit(
        np.array([c[0] for c in caps], dtype=np.float64).reshape(-1),
        np.array([c[1] for c in caps], dtype=np.float64).reshape(-1),
    ).reshape(-1, 3)
    cap_rad = np.array([c[2] for c in caps], dtype=np.float64).reshape(-1)
    radius = np.zeros(n)
    ring_start = np.zeros(n, dtype=np.intp)
    ring_len = np.zeros(n, dtype=np.intp)
    polys: list[int] = []
    lat_l: list[float] = []
    lng_l: list[float] = []
    counts_l: list[int] = []
    for i, f in enumerate(footprints):
        if isinstance(f, Circle):
            radius[i] = f.radius_m
            continue
        polys.append(i)
        lngs = unwrap_longitudes([v.lng for v in f.vertices])
        lat_l.extend(v.lat for v in f.vertices)
        lng_l.extend(lngs)
        counts_l.append(len(lngs))
    if not polys:
        return FootprintArrays(cap_xyz, cap_rad, radius, ring_start, ring_len, np.empty((0, 3)))
    counts = np.array(counts_l, dtype=np.intp)
    lat = np.array(lat_l)
    lng = np.array(lng_l)
    starts = np.cumsum(counts) - counts
    nxt = np.arange(lat.size) + 1
    nxt[starts + counts - 1] = starts
    owner = np.repeat(np.arange(len(polys)), counts)
    # The closing edge's end is the first vertex, moved the short way round.
    lng_end = lng[nxt]
    closing = np.zeros(lat.size, dtype=bool)
    closing[starts + counts - 1] = True
    lng_end = np.where(closing, lng + (lng_end - lng + 180.0) % 360.0 - 180.0, lng_end)
    dlat, dlng, downer = _densify_edges(lat, lng, lat[nxt], lng_end, owner)
    xyz = latlng_to_unit(dlat, dlng)
    dcounts = np.bincount(downer, minlength=len(polys))
    offs = np.concatenate([[0], np.cumsum(dcounts)])
    closed = np.insert(xyz, offs[1:], xyz[offs[:-1]], axis=0)
    ring_start[polys] = offs[:-1] + np.arange(len(polys))
    ring_len[polys] = dcounts + 1
    return FootprintArrays(cap_xyz, cap_rad, radius, ring_start, ring_len, closed)


def prepare_footprints(
    footprints: Sequence[Footprint], caps: Sequence[tuple[float, float, float]] | None = None
) -> list[PreparedFootprint]:
    """:func:`prepare_footprint_arrays`, one :class:`PreparedFootprint` per footprint."""
    arrays = prepare_footprint_arrays(footprints, caps)
    return [arrays.footprint(i) for i in range(len(footprints))]


def _ranges(start: NDArray[np.intp], length: NDArray[np.intp]) -> NDArray[np.intp]:
    """Concatenated ``arange(start[i], start[i] + length[i])``.

    >>> _ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    total = int(length.sum())
    offs = np.cumsum(length) - length
    out: NDArray[np.intp] = np.arange(total, dtype=np.intp) + np.repeat(start - offs, length)
    return out


def _offsets(lengths: NDArray[np.intp]) -> NDArray[np.intp]:
    """``[0, l0, l0 + l1, …]``: where each of consecutive runs of ``lengths`` starts and ends."""
    out = np.zeros(lengths.size + 1, dtype=np.intp)
    np.cumsum(lengths, out=out[1:])
    return out


def _planar_pairs(
    a: FootprintArrays,
    ia: NDArray[np.intp],
    b: FootprintArrays,
    ib: NDArray[np.intp],
    centres: FloatArray,
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Shapely geometries of ``a[ia[k]]`` and ``b[ib[k]]``, both projected around ``centres[k]``.

    Polygons become planar polygons; circles become their centre point (the radius is
    subtracted from the distance afterwards). Both sides' points go through one projection
    and one constructor call each: per call, numpy and shapely cost more than the points.
    """
    frames = local_frames(centres)
    la, lb = a.ring_len[ia], b.ring_len[ib]
    pa, pb = np.flatnonzero(la), np.flatnonzero(lb)
    ca, cb = np.flatnonzero(la == 0), np.flatnonzero(lb == 0)
    lengths = np.concatenate([la[pa], lb[pb]])
    xyz = np.concatenate(
        [
            a.ring_xyz[_ranges(a.ring_start[ia[pa]], la[pa])],
            b.ring_xyz[_ranges(b.ring_start[ib[pb]], lb[pb])],
            a.centre[ia[ca]],
            b.centre[ib[cb]],
        ]
    )
    owner = np.concatenate([np.repeat(pa, la[pa]), np.repeat(pb, lb[pb]), ca, cb])
    xy = aeqd_project_framed(xyz, frames[owner])
    ring_rows = int(lengths.sum())
    geoms_a = np.empty(ia.size, dtype=object)
    geoms_b = np.empty(ib.size, dtype=object)
    if lengths.size:
        polygons = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON,
            xy[:ring_rows],
            (_offsets(lengths), np.arange(lengths.size + 1)),
        )
        geoms_a[pa] = polygons[: pa.size]
        geoms_b[pb] = polygons[pa.size :]
    if ring_rows < len(xy):
        points = shapely.points(xy[ring_rows:])
        geoms_a[ca] = points[: ca.size]
        geoms_b[cb] = points[ca.size :]
    return geoms_a, geoms_b


def indexed_pair_distances_m(
    a: FootprintArrays, ia: NDArray[np.intp], b: FootprintArrays, ib: NDArray[np.intp]
) -> FloatArray:
    """Horizontal distance in metres between ``a[ia[k]]`` and ``b[ib[k]]``; 0 where they touch.

    A circle is its centre with a radius: distance = max(0, d(centre, other) − r). Each pair
    is projected around the midpoint of its two cap centres, so the answer does not depend on
    which side is "new" and the closest points sit near the projection's centre. A pair's
    result does not depend on the rest of the batch (every step is elementwise), so the
    index and its brute-force twin agree bit for bit.
    """
    n = ia.size
    if ib.size != n:
        raise ValueError("indexed_pair_distances_m needs two index arrays of the same length.")
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    ca, cb = a.centre[ia], b.centre[ib]
    ra, rb = a.radius_m[ia], b.radius_m[ib]
    both = (a.ring_len[ia] == 0) & (b.ring_len[ib] == 0)
    if both.any():
        gc = central_angle(ca[both], cb[both]) * EARTH_RADIUS_M
        out[both] = gc - ra[both] - rb[both]
    rest = np.flatnonzero(~both)
    if rest.size:
        centres = midpoint_unit(ca[rest], cb[rest])
        d = shapely.distance(*_planar_pairs(a, ia[rest], b, ib[rest], centres))
        out[rest] = d - ra[rest] - rb[rest]
    return np.maximum(out, 0.0)


def pair_distances_m(a: Sequence[PreparedFootprint], b: Sequence[PreparedFootprint]) -> FloatArray:
    """:func:`indexed_pair_distances_m` between ``a[i]`` and ``b[i]``."""
    if len(a) != len(b):
        raise ValueError("pair_distances_m needs two sequences of the same length.")
    if not a:
        return np.zeros(0, dtype=np.float64)
    k = np.arange(len(a), dtype=np.intp)
    return indexed_pair_distances_m(FootprintArrays.of(a), k, FootprintArrays.of(b), k)


def footprint_distance_m(a: Footprint, b: Footprint) -> float:
    """Horizontal distance in metres between two footprints; 0 where they touch or nest.

    >>> from skyshare.model.volume import LatLng
    >>> a, b = Circle(LatLng(0, 179.99), 500), Circle(LatLng(0, -179.99), 500)
    >>> round(footprint_distance_m(a, b))
    1224
    """
    pa, pb = prepare_footprints([a, b])
    return float(pair_distances_m([pa], [pb])[0])


def projected_geometry(prepared: PreparedFootprint, centre: FloatArray) -> shapely.Geometry:
    """The planar shape of a footprint around ``centre``: a polygon, or a circle's centre."""
    one = FootprintArrays.of([prepared])
    k = np.zeros(1, dtype=np.intp)
    geoms, _ = _planar_pairs(one, k, one, k, centre.reshape(1, 3))
    geom: shapely.Geometry = geoms[0]
    return geom


def _box_lng_span(min_lng: float, max_lng: float) -> float:
    return max_lng - min_lng if min_lng <= max_lng else max_lng + 360.0 - min_lng


def _circle_box_distance_rad(
    lat: FloatArray, lng: FloatArray, box: tuple[float, float, float, float]
) -> FloatArray:
    """Great-circle angle from points to a lng/lat box (0 inside), exactly.

    Outside, the nearest point is on the boundary. On a parallel it is due north or south
    when the point's longitude is within the box's, else an end; on a meridian it is the
    foot of the perpendicular when that lies on the segment, else an end.
    """
    min_lng, min_lat, max_lng, max_lat = box
    span = _box_lng_span(min_lng, max_lng)
    in_lng = (lng - min_lng) % 360.0 <= span
    inside = in_lng & (lat >= min_lat) & (lat <= max_lat)
    phi = np.radians(lat)
    corners = [(la, lo) for la in (min_lat, max_lat) for lo in (min_lng, min_lng + span)]
    best = np.full(lat.shape, np.inf)
    for la, lo in corners:
        h = (
            np.sin((np.radians(la) - phi) / 2.0) ** 2
            + np.cos(phi) * math.cos(math.radians(la)) * np.sin(np.radians(lo - lng) / 2.0) ** 2
        )
        best = np.minimum(best, 2.0 * np.arcsin(np.minimum(1.0, np.sqrt(h))))
    for la in (min_lat, max_lat):
        best = np.where(in_lng, np.minimum(best, np.abs(phi - math.radians(la))), best)
    p = latlng_to_unit(lat, lng)
    for lo in (min_lng, min_lng + span):
        lam = math.radians(lo)
        normal = np.array([-math.sin(lam), math.cos(lam), 0.0])
        dlam = np.radians(lng) - lam
        foot = np.arctan2(np.sin(phi), np.cos(phi) * np.cos(dlam))
        on_seg = (foot >= math.radians(min_lat)) & (foot <= math.radians(max_lat))
        perp = np.arcsin(np.clip(np.abs(p @ normal), 0.0, 1.0))
        best = np.where(on_seg, np.minimum(best, perp), best)
    return np.where(inside, 0.0, best)


def footprints_intersect_bbox(
    footprints: Sequence[Footprint], min_lng: float, min_lat: float, max_lng: float, max_lat: float
) -> NDArray[np.bool_]:
    """Which footprints meet a lng/lat box (edges included); ``min_lng > max_lng`` wraps.

    Polygons are compared in the lng/lat plane, where their edges are straight, with the
    box shifted by whole turns to meet the polygon's unwrapped longitudes. Circles are caps:
    they meet the box when their centre is within the radius of it on the sphere.
    """
    n = len(footprints)
    out = np.zeros(n, dtype=bool)
    box = (min_lng, min_lat, max_lng, max_lat)
    circ = [i for i, f in enumerate(footprints) if isinstance(f, Circle)]
    if circ:
        cs = [footprints[i] for i in circ]
        lat = np.array([c.center.lat for c in cs if isinstance(c, Circle)])
        lng = np.array([c.center.lng for c in cs if isinstance(c, Circle)])
        rad = np.array([c.radius_m for c in cs if isinstance(c, Circle)]) / EARTH_RADIUS_M
        out[circ] = _circle_box_distance_rad(lat, lng, box) <= rad
    polys = [i for i, f in enumerate(footprints) if isinstance(f, Polygon)]
    if polys:
        rings: list[list[tuple[float, float]]] = []
        lo = np.empty(len(polys))
        hi = np.empty(len(polys))
        for j, i in enumerate(polys):
            fp = footprints[i]
            assert isinstance(fp, Polygon)
            lngs = unwrap_longitudes([v.lng for v in fp.vertices])
            rings.append([(x, v.lat) for x, v in zip(lngs, fp.vertices, strict=True)])
            lo[j], hi[j] = min(lngs), max(lngs)
        lengths = np.array([len(r) + 1 for r in rings], dtype=np.intp)
        coords = np.array([xy for r in rings for xy in (*r, r[0])], dtype=np.float64)
        geoms = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON,
            coords,
            (np.concatenate([[0], np.cumsum(lengths)]), np.arange(len(rings) + 1)),
        )
        span = _box_lng_span(min_lng, max_lng)
        hit = np.zeros(len(polys), dtype=bool)
        k_lo = math.floor((float(lo.min()) - min_lng - span) / 360.0)
        k_hi = math.ceil((float(hi.max()) - min_lng) / 360.0)
        for k in range(k_lo, k_hi + 1):
            x0 = min_lng + 360.0 * k
            near = ~hit & (hi >= x0) & (lo <= x0 + span)
            if near.any():
                rect = shapely.box(x0, min_lat, x0 + span, max_lat)
                hit[near] = shapely.intersects(geoms[near], rect)
        out[polys] = hit
    return out
