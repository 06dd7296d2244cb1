"""Conversions between aviation units and SI; the only place feet, knots and NM appear.

>>> round(ft_to_m(1000), 1)
304.8
>>> fl_to_m(100)
3048.0
>>> nm_to_m(5)
9260.0
"""

from __future__ import annotations

__all__ = [
    "EARTH_RADIUS_M",
    "FT_M",
    "KT_MPS",
    "NM_M",
    "fl_to_m",
    "ft_to_m",
    "kt_to_mps",
    "m_to_ft",
    "mps_to_kt",
    "nm_to_m",
]

#: International foot (exact), ICAO Annex 5.
FT_M = 0.3048
#: International nautical mile (exact), ICAO Annex 5.
NM_M = 1852.0
#: Knot: one nautical mile per hour.
KT_MPS = NM_M / 3600.0
#: Mean Earth radius used by BlueSky's flat-earth-per-pair model.
EARTH_RADIUS_M = 6_371_000.0


def ft_to_m(ft: float) -> float:
    return ft * FT_M


def m_to_ft(m: float) -> float:
    return m / FT_M


def fl_to_m(fl: float) -> float:
    """Flight level (hundreds of feet, standard pressure) as metres; FL100 = 3,048 m."""
    return round(fl * 100.0 * FT_M, 6)


def nm_to_m(nm: float) -> float:
    return nm * NM_M


def kt_to_mps(kt: float) -> float:
    return kt * KT_MPS


def mps_to_kt(mps: float) -> float:
    return mps / KT_MPS
