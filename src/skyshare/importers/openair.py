"""OpenAir airspace files (the Winpilot text format of glider and paragliding airspace).

Records, one per line (``*`` starts a comment): ``AC`` class (starts an airspace), ``AN``
name, ``AL``/``AH`` lower/upper limit, ``V X=`` arc centre, ``V D=+|-`` arc direction
(clockwise by default, reset by each ``AC``), ``DP`` point, ``DA r, a1, a2`` arc by radius
(NM) and true bearings, ``DB p1, p2`` arc by end points, ``DC r`` circle (NM). Label and
style records (``AT``, ``AY``, ``AF``, ``AG``, ``AX``, ``SP``, ``SB``, ``V W=``, ``V Z=``) do not
change the area and are ignored. Airways (``DY``) are refused. Reference: "OpenAir Format",
Winpilot (http://www.winpilot.com/UsersGuide/UserAirspace.asp) and the Naviter extension.

Limits: ``GND``/``SFC`` (0 AGL), ``UNL`` (unlimited), ``FL95``, ``3500ft``/``3500 FT`` (feet,
MSL unless a datum follows), ``1000m``, each optionally followed by ``MSL``/``AMSL``/``ALT``
(W84), ``AGL``/``AGND``/``GND``/``SFC`` (AGL) or ``STD`` (a pressure altitude, kept like a
flight level). A bare number is feet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from skyshare.errors import InvalidInput
from skyshare.importers._arc import CHORD_TOLERANCE_M, arc_points, bearing_distance
from skyshare.importers._common import (
    Collector,
    ImportResult,
    altitude,
    check_band,
    decode_text,
    make_polygon,
)
from skyshare.model.restriction import Restriction
from skyshare.model.volume import (
    MAX_RADIUS_M,
    MAX_VERTICES,
    Altitude,
    AltitudeReference,
    Circle,
    Footprint,
    LatLng,
    Volume4D,
)
from skyshare.units import nm_to_m

__all__ = ["parse_altitude", "parse_coordinate", "parse_openair", "read_openair"]

_NUM = r"\d+(?:\.\d*)?"
_DMS = r"\d{1,3}(?:\.\d+)?(?:\s*:\s*\d{1,2}(?:\.\d+)?){0,2}"
_COORD = rf"({_DMS})\s*([NSns])\s*,?\s*({_DMS})\s*([EWew])"
_COORD_RE = re.compile(rf"^{_COORD}$")
_DB_RE = re.compile(rf"^{_COORD}\s*,\s*{_COORD}$")
_ALT_RE = re.compile(
    rf"^(?:FL\s*(?P<fl>{_NUM})"
    rf"|(?P<num>{_NUM})\s*(?P<unit>FT|F|M)?\.?\s*(?P<ref>MSL|AMSL|ALT|AGL|AGND|GND|SFC|ASFC|STD)?"
    r"|(?P<word>GND|SFC|AGND|ASFC|AGL|MSL|AMSL)"
    r"|(?P<unl>UNL|UNLIM|UNLIMITED|UNLTD))$"
)
_VAR_RE = re.compile(r"^([A-Za-z])\s*=\s*(.*)$")
_IGNORED = {"AT", "AY", "AF", "AG", "AX", "SP", "SB", "AA"}


def _dms(text: str, hemi: str, limit: float, line_text: str) -> float:
    parts = [p.strip() for p in text.split(":")]
    deg = float(parts[0])
    minutes = float(parts[1]) if len(parts) > 1 else 0.0
    seconds = float(parts[2]) if len(parts) > 2 else 0.0
    if minutes >= 60.0 or seconds >= 60.0:
        raise InvalidInput(f"Minutes and seconds must be below 60 in {line_text!r}.")
    value = deg + minutes / 60.0 + seconds / 3600.0
    if value > limit:
        raise InvalidInput(f"A coordinate must be within ±{limit:.0f}° in {line_text!r}.")
    return -value if hemi.upper() in ("S", "W") else value


def _coord(groups: tuple[str, ...], text: str) -> LatLng:
    lat_t, ns, lng_t, ew = groups
    return LatLng(_dms(lat_t, ns, 90.0, text), _dms(lng_t, ew, 180.0, text))


def parse_coordinate(text: str) -> LatLng:
    """A point in ``DD:MM:SS N DDD:MM:SS E``, ``DD:MM.mm N ...`` or ``DD.dddd N ...`` form.

    >>> parse_coordinate("48:51:24 N 002:21:08 E")
    LatLng(lat=48.85666666666667, lng=2.352222222222222)
    >>> parse_coordinate("33.5S 151.25E")
    LatLng(lat=-33.5, lng=151.25)
    """
    m = _COORD_RE.match(text.strip())
    if m is None:
        raise InvalidInput(
            f"{text.strip()!r} is not a coordinate (expected e.g. 48:51:24 N 002:21:08 E)."
        )
    return _coord(m.groups(), text.strip())


def parse_altitude(text: str, *, upper: bool) -> Altitude:
    """An OpenAir limit (``GND``, ``FL95``, ``3500ft AMSL``, ``1000 m AGL``, ``UNL``) in metres.

    >>> parse_altitude("FL95", upper=True)
    Altitude(value_m=2895.6, reference=<AltitudeReference.W84: 'W84'>)
    >>> parse_altitude("1500 ft AGL", upper=True)
    Altitude(value_m=457.2, reference=<AltitudeReference.AGL: 'AGL'>)
    """
    norm = " ".join(text.upper().replace("\t", " ").split())
    m = _ALT_RE.match(norm)
    if m is None:
        raise InvalidInput(
            f"{text.strip()!r} is not an altitude (expected GND, SFC, FL95, 3500ft, "
            "1000m, 2000ft AGL, 3000 ft AMSL or UNL)."
        )
    if m["unl"]:
        if not upper:
            raise InvalidInput("A lower limit cannot be unlimited (UNL).")
        return Altitude(None, AltitudeReference.W84)
    if m["word"]:
        return altitude(0.0, "M", "MSL" if m["word"] in ("MSL", "AMSL") else "AGL")
    if m["fl"]:
        return altitude(float(m["fl"]), "FL", "STD")
    unit = "M" if m["unit"] == "M" else "FT"
    ref = m["ref"] or "MSL"
    return altitude(float(m["num"]), unit, "AGL" if ref in ("AGND", "ASFC") else ref)


@dataclass(slots=True)
class _Arc:
    center: LatLng
    radius_m: float
    start_deg: float
    end_deg: float
    clockwise: bool
    first: LatLng | None = None  # DB: the exact end points replace the computed ones
    last: LatLng | None = None


@dataclass(slots=True)
class _Airspace:
    line: int
    cls: str
    name: str | None = None
    name_line: int = 0
    lower: Altitude | None = None
    upper: Altitude | None = None
    parts: list[LatLng | _Arc] = field(default_factory=list)
    circle: Circle | None = None
    clockwise: bool = True
    error: bool = False


def _vertices(parts: list[LatLng | _Arc], tolerance_m: float) -> list[LatLng]:
    out: list[LatLng] = []
    for part in parts:
        if isinstance(part, LatLng):
            out.append(part)
            continue
        pts = arc_points(
            part.center,
            part.radius_m,
            part.start_deg,
            part.end_deg,
            clockwise=part.clockwise,
            tolerance_m=tolerance_m,
        )
        if part.first is not None and part.last is not None:
            pts[0], pts[-1] = part.first, part.last
        out.extend(pts)
    return out


class _Parser:
    def __init__(self, source: str, label: str, collector: Collector) -> None:
        self.source = source
        self.label = label
        self.out = collector
        self.current: _Airspace | None = None
        self.center: LatLng | None = None
        self.names: dict[str, int] = {}

    def where(self, line: int) -> str:
        return f"{self.label}:{line}"

    def feed(self, lineno: int, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("*"):
            return
        cmd, _, arg = text.partition(" ")
        cmd = cmd.upper()
        if len(cmd) > 2 and cmd[:2] in ("AC", "AN", "AL", "AH", "DP", "DA", "DB", "DC"):
            # Records written without a space ("AC R", "DP48:00:00 N ...") still parse.
            cmd, arg = cmd[:2], text[2:]
        if cmd != "AN":
            arg = arg.split("*", 1)[0]
        arg = arg.strip()
        if cmd == "AC":
            self.finish()
            self.current = _Airspace(lineno, arg.upper() or "UNKNOWN")
            return
        if self.current is not None and self.current.error:
            return
        if self.current is None and cmd not in ("V",) and cmd not in _IGNORED:
            self.fail(lineno, f"{cmd} record outside an airspace (no AC before it).")
            return
        self.guarded(lineno, lambda: self.record(lineno, cmd, arg, text))

    def guarded(self, lineno: int, action: Callable[[], object]) -> None:
        done = self.out.run(self.where(lineno), action)
        if done is None and self.current is not None:
            self.current.error = True

    def fail(self, lineno: int, message: str) -> None:
        def raise_it() -> None:
            raise InvalidInput(message)

        self.guarded(lineno, raise_it)

    def record(self, lineno: int, cmd: str, arg: str, text: str) -> bool:
        a = self.current
        if cmd == "V":
            self.variable(arg)
            return True
        if cmd == "AA" and a is not None:
            self.out.warnings.append(
                f"{self.where(lineno)}: AA activation times are not read; "
                "the airspace is imported as always active."
            )
        if cmd in _IGNORED:
            return True
        assert a is not None
        if cmd == "AN":
            a.name, a.name_line = " ".join(arg.split()), lineno
        elif cmd == "AL":
            a.lower = parse_altitude(arg, upper=False)
        elif cmd == "AH":
            a.upper = parse_altitude(arg, upper=True)
        elif cmd == "DP":
            self.no_circle(a)
            a.parts.append(parse_coordinate(arg))
        elif cmd == "DA":
            self.no_circle(a)
            a.parts.append(self.arc_by_angles(arg))
        elif cmd == "DB":
            self.no_circle(a)
            a.parts.append(self.arc_by_points(arg))
        elif cmd == "DC":
            if a.parts or a.circle is not None:
                raise InvalidInput("A DC circle must be the only shape of its airspace.")
            radius_m = nm_to_m(self.number(arg, "DC radius"))
            if not 0.0 < radius_m <= MAX_RADIUS_M:
                raise InvalidInput(f"A circle radius must be in (0, {MAX_RADIUS_M:.0f}] m.")
            a.circle = Circle(self.need_center(), radius_m)
        elif cmd == "DY":
            raise InvalidInput("Airway segments (DY) are not supported; describe the area.")
        else:
            raise InvalidInput(f"Unknown OpenAir record {cmd!r} in {text!r}.")
        return True

    def variable(self, arg: str) -> None:
        m = _VAR_RE.match(arg)
        if m is None:
            raise InvalidInput(f"{arg!r} is not a variable assignment (V X=..., V D=+).")
        name, value = m.group(1).upper(), m.group(2).strip()
        if name == "X":
            self.center = parse_coordinate(value)
        elif name == "D":
            if value not in ("+", "-"):
                raise InvalidInput(
                    f"V D= must be + (clockwise) or - (counter-clockwise); got {value!r}."
                )
            if self.current is not None:
                self.current.clockwise = value == "+"
        # W (airway width) and Z (zoom) do not change an area.

    def no_circle(self, a: _Airspace) -> None:
        if a.circle is not None:
            raise InvalidInput("A DC circle must be the only shape of its airspace.")

    def need_center(self) -> LatLng:
        if self.center is None:
            raise InvalidInput("An arc or circle needs a centre (V X=...) before it.")
        return self.center

    @staticmethod
    def number(text: str, what: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise InvalidInput(f"{what} must be a number; got {text.strip()!r}.") from None
        return value

    def arc_by_angles(self, arg: str) -> _Arc:
        fields = [f for f in re.split(r"[,\s]+", arg) if f]
        if len(fields) != 3:
            raise InvalidInput(f"DA needs radius, start and end angle; got {arg!r}.")
        radius_m = nm_to_m(self.number(fields[0], "DA radius"))
        if not 0.0 < radius_m <= MAX_RADIUS_M:
            raise InvalidInput(f"An arc radius must be in (0, {MAX_RADIUS_M:.0f}] m.")
        a1 = self.number(fields[1], "DA start angle")
        a2 = self.number(fields[2], "DA end angle")
        assert self.current is not None
        return _Arc(self.need_center(), radius_m, a1 % 360.0, a2 % 360.0, self.current.clockwise)

    def arc_by_points(self, arg: str) -> _Arc:
        m = _DB_RE.match(arg)
        if m is None:
            raise InvalidInput(f"DB needs two coordinates separated by a comma; got {arg!r}.")
        p1 = _coord(m.groups()[:4], arg)
        p2 = _coord(m.groups()[4:], arg)
        center = self.need_center()
        a1, r1 = bearing_distance(center, p1)
        a2, _r2 = bearing_distance(center, p2)
        if r1 <= 0.0:
            raise InvalidInput("A DB arc cannot start at its centre.")
        assert self.current is not None
        return _Arc(center, r1, a1, a2, self.current.clockwise, p1, p2)

    def finish(self) -> None:
        a, self.current = self.current, None
        if a is None or a.error:
            return
        restriction = self.out.run(self.where(a.line), lambda: self.build(a))
        if restriction is not None:
            self.out.restrictions.append(restriction)

    def build(self, a: _Airspace) -> Restriction:
        if a.lower is None or a.upper is None:
            missing = "AL" if a.lower is None else "AH"
            raise InvalidInput(f"The airspace has no {missing} (vertical limit).")
        check_band(a.lower, a.upper)
        footprint: Footprint
        if a.circle is not None:
            footprint = a.circle
        elif not a.parts:
            raise InvalidInput("The airspace has no geometry (DP, DA, DB or DC).")
        else:
            footprint = self.polygon(a)
        name = a.name
        if not name:
            name = f"{a.cls} airspace at line {a.line}"
            self.out.warnings.append(f"{self.where(a.line)}: airspace without AN; named {name!r}.")
        seen = self.names.get(name, 0) + 1
        self.names[name] = seen
        source_id = name if seen == 1 else f"{name}#{seen}"
        volume = Volume4D(footprint, a.lower, a.upper, None, None)
        return Restriction(None, name, self.source, source_id, a.cls, (volume,), None)

    def polygon(self, a: _Airspace) -> Footprint:
        tolerance = CHORD_TOLERANCE_M
        pts = _vertices(a.parts, tolerance)
        while len(pts) > MAX_VERTICES and any(isinstance(p, _Arc) for p in a.parts):
            tolerance *= 2.0
            pts = _vertices(a.parts, tolerance)
        if tolerance != CHORD_TOLERANCE_M:
            self.out.warnings.append(
                f"{self.where(a.line)}: arcs densified to {tolerance:g} m chord tolerance "
                f"to stay within {MAX_VERTICES} vertices."
            )
        return make_polygon(pts, self.where(a.line), self.out.warnings)


def parse_openair(
    text: str, source: str, *, label: str | None = None, skip_invalid: bool = False
) -> ImportResult:
    """Restrictions from OpenAir text.

    ``source`` is stored with each restriction (the file name); ``label`` starts error
    messages (the path as the user gave it; ``source`` by default).
    """
    out = Collector(skip_invalid=skip_invalid)
    parser = _Parser(source, label or source, out)
    for lineno, line in enumerate(text.split("\n"), start=1):
        parser.feed(lineno, line)
    parser.finish()
    return out.result()


def read_openair(path: str | Path, *, skip_invalid: bool = False) -> ImportResult:
    """Restrictions from an OpenAir file (UTF-8 or Latin-1, any line ends)."""
    p = Path(path)
    text = decode_text(p.read_bytes())
    return parse_openair(text, p.name, label=str(path), skip_invalid=skip_invalid)
