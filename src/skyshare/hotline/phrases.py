"""Standard hotline phrases in English, Arabic and Russian, rendered per reader's language.

The texts live in ``phrases/{en,ar,ru}.toml``: per language, a ``[format]`` table (Babel
locale, digits, how to write altitudes, positions, times), translations of the enumerated
parameters, and one ``[templates.<id>]`` text per phrase with ``{name}`` placeholders. This
module owns the parameter vocabulary: each name has one type, one validity range and one way
to render, shared by every template, so ``altitude_m`` always means metres above WGS 84 and is
always written out in metres *and* feet.

Numbers, dates and unit names come from Babel (CLDR) so that plural agreement and separators
are right in each language: "3,048 metres (10,000 feet)", "3 048 метров (10 000 футов)",
"٣٬٠٤٨ مترًا (١٠٬٠٠٠ قدم)". Times are UTC and say so. Arabic uses Arabic-Indic digits and
wraps coordinates in Unicode isolates (U+2066 … U+2069) so they keep their left-to-right order
inside right-to-left text (Unicode UAX #9).

Parameters carry no callsigns or purposes: the service never needs them (DESIGN.md).
"""

from __future__ import annotations

import math
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final, Protocol

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.units import format_unit

from skyshare.errors import InvalidInput, SkyshareError
from skyshare.timefmt import parse_rfc3339, to_datetime
from skyshare.units import NM_M, m_to_ft

__all__ = [
    "LANGUAGES",
    "PhraseBook",
    "Template",
    "UnknownTemplate",
    "check_params",
    "render",
    "templates",
]

#: Languages a party may read, in API.md order.
LANGUAGES: Final = ("en", "ar", "ru")

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FORMAT_KEYS = frozenset(
    {"locale", "digits", "altitude", "flight_level", "distance", "datetime"}
    | {"north", "south", "east", "west"}
)


class UnknownTemplate(InvalidInput):
    """A message names a template id that no phrase file defines."""

    code = "unknown_template"


@dataclass(frozen=True, slots=True)
class Template:
    """One standard phrase: its id, its parameter names, and its text in each language."""

    id: str
    params: tuple[str, ...]
    text: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        """The ``GET /v1/templates`` item of API.md: ``{"id", "params", "text"}``."""
        return {
            "id": self.id,
            "params": list(self.params),
            "text": {language: self.text[language] for language in LANGUAGES},
        }


@dataclass(frozen=True, slots=True)
class _Language:
    """How one language writes numbers, units, positions and times (its ``[format]`` table)."""

    code: str
    locale: Locale
    arabic_digits: bool
    formats: Mapping[str, str]
    choices: Mapping[str, Mapping[str, str]]

    def digits(self, text: str) -> str:
        return text.translate(_ARABIC_INDIC) if self.arabic_digits else text

    def number(self, value: Decimal | int, pattern: str) -> str:
        numbering = "arab" if self.arabic_digits else "latn"
        return self.digits(
            format_decimal(value, pattern, locale=self.locale, numbering_system=numbering)
        )

    def unit(self, value: Decimal | int, unit: str, pattern: str) -> str:
        """``value`` with the unit's long name, agreeing in number (CLDR plural rules).

        CLDR's Arabic singular and dual forms drop the numeral ("درجة" for 1 degree); a figure
        must never vanish from a safety message, so those fall back to the general form.
        """
        numbering = "arab" if self.arabic_digits else "latn"
        number = format_decimal(value, pattern, locale=self.locale, numbering_system=numbering)
        text = format_unit(
            value, unit, "long", pattern, locale=self.locale, numbering_system=numbering
        )
        if number not in text:
            patterns = self.locale._data["unit_patterns"][unit]["long"]
            text = patterns["other"].format(number)
        return self.digits(text)


class _Kind(Protocol):
    """A parameter type: what it must be, and how it reads in each language."""

    def check(self, field: str, value: object) -> object: ...

    def render(self, value: Any, language: _Language) -> str: ...


def _number(field: str, value: object, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(
            f"{field} must be a number of {what}; got {_kind_of(value)}.", field=field
        )
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(
            f"{field} must be between {low:,g} and {high:,g} {what}; got {value!r}.", field=field
        )
    return float(value)


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)[:40]


def _round(value: float, places: int) -> Decimal:
    """``value`` as a Decimal with exactly ``places`` decimals, so CLDR picks the right plural."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum)


class _Altitude:
    """Metres above WGS 84; written in metres and feet (ICAO Annex 5 foot, exact)."""

    low_m, high_m = -1_000.0, 30_000.0

    def check(self, field: str, value: object) -> object:
        return _number(field, value, "metres", self.low_m, self.high_m)

    def render(self, value: float, language: _Language) -> str:
        metres = language.unit(_round(value, 0), "length-meter", "#,##0")
        feet = language.unit(_round(m_to_ft(value), 0), "length-foot", "#,##0")
        return language.formats["altitude"].format(metres=metres, feet=feet)


class _FlightLevel:
    """A flight level: hundreds of feet on the standard pressure setting (ICAO Doc 8168)."""

    def check(self, field: str, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(
                f"{field} must be a whole flight level (e.g. 350); got {_kind_of(value)}.",
                field=field,
            )
        if not 0 <= value <= 999:
            raise InvalidInput(f"{field} must be between 0 and 999; got {value}.", field=field)
        return value

    def render(self, value: int, language: _Language) -> str:
        return language.formats["flight_level"].format(level=language.number(value, "000"))


class _Bearing:
    """A heading or track in degrees true, written as three digits; north is 360, not 000."""

    def check(self, field: str, value: object) -> object:
        return _number(field, value, "degrees", 0.0, 360.0)

    def render(self, value: float, language: _Language) -> str:
        degrees = round(value) % 360 or 360
        return language.unit(degrees, "angle-degree", "000")


class _Distance:
    """A horizontal distance in metres; written in (kilo)metres and nautical miles."""

    def check(self, field: str, value: object) -> object:
        radius = _number(field, value, "metres", 0.0, 1_000_000.0)
        if radius <= 0:
            raise InvalidInput(f"{field} must be more than 0 metres; got {value!r}.", field=field)
        return radius

    def render(self, value: float, language: _Language) -> str:
        if value < 1_000:
            metric = language.unit(_round(value, 0), "length-meter", "#,##0")
        else:
            metric = language.unit(_round(value / 1_000, 1), "length-kilometer", "#,##0.0")
        nautical = language.unit(_round(value / NM_M, 1), "length-nautical-mile", "#,##0.0")
        return language.formats["distance"].format(metric=metric, nautical=nautical)


class _Coordinate:
    """A latitude or longitude in degrees (WGS 84); written as degrees and decimal minutes."""

    def __init__(self, limit: float, width: int, positive: str, negative: str) -> None:
        self.limit, self.width = limit, width
        self.positive, self.negative = positive, negative

    def check(self, field: str, value: object) -> object:
        return _number(field, value, "degrees", -self.limit, self.limit)

    def render(self, value: float, language: _Language) -> str:
        tenths = round(abs(value) * 600)  # tenths of a minute of arc
        degrees, minutes = divmod(tenths, 600)
        text = (
            language.number(degrees, "0" * self.width)
            + "°"
            + language.number(Decimal(minutes).scaleb(-1), "00.0")
            + "′"
        )
        hemisphere = self.negative if value < 0 and tenths else self.positive
        return language.formats[hemisphere].format(value=text)


class _Time:
    """An instant as an RFC 3339 string; written as the UTC clock time and date."""

    def check(self, field: str, value: object) -> object:
        if not isinstance(value, str):
            raise InvalidInput(
                f"{field} must be an RFC 3339 time string; got {_kind_of(value)}.", field=field
            )
        try:
            return parse_rfc3339(value, field=field)
        except InvalidInput as exc:
            raise InvalidInput(
                f"{field} must be an RFC 3339 time: {exc.message}", field=field
            ) from exc

    def render(self, value: float, language: _Language) -> str:
        moment: datetime = to_datetime(value)
        pattern = "HH:mm:ss" if moment.second else "HH:mm"
        clock = language.digits(format_time(moment, pattern, locale=language.locale))
        date = language.digits(format_date(moment, "long", locale=language.locale))
        return language.formats["datetime"].format(time=clock, date=date)


class _Choice:
    """One of a fixed set of words, translated in each phrase file's ``[choices.<name>]``."""

    def __init__(self, name: str, values: tuple[str, ...]) -> None:
        self.name, self.values = name, values

    def check(self, field: str, value: object) -> object:
        if value not in self.values:
            raise InvalidInput(
                f"{field} must be one of {', '.join(self.values)}; got {_kind_of(value)}.",
                field=field,
            )
        return value

    def render(self, value: str, language: _Language) -> str:
        return language.choices[self.name][value]


_LAT = _Coordinate(90.0, 2, "north", "south")
_LNG = _Coordinate(180.0, 3, "east", "west")
_ALTITUDE = _Altitude()
_BEARING = _Bearing()
_TIME = _Time()

#: The parameter vocabulary: every template parameter has one of these names.
_PARAMS: Final[Mapping[str, _Kind]] = {
    "lat": _LAT,
    "lng": _LNG,
    "altitude_m": _ALTITUDE,
    "lower_altitude_m": _ALTITUDE,
    "upper_altitude_m": _ALTITUDE,
    "flight_level": _FlightLevel(),
    "heading_deg": _BEARING,
    "track_deg": _BEARING,
    "radius_m": _Distance(),
    "time": _TIME,
    "start_time": _TIME,
    "end_time": _TIME,
    "until_time": _TIME,
    "direction": _Choice("direction", ("left", "right")),
    "reason": _Choice(
        "reason",
        ("traffic", "weather", "terrain", "restricted_airspace", "operational", "technical"),
    ),
}
_CHOICES: Final = {kind.name: kind.values for kind in _PARAMS.values() if isinstance(kind, _Choice)}


class PhraseBook:
    """The parsed phrase files; :func:`templates` and :func:`render` use the packaged one."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        """Parse one TOML text per language in :data:`LANGUAGES`, checking them against each other.

        A defect in a phrase file is a bug in skyshare, reported as :class:`SkyshareError`
        naming the file and the template.
        """
        missing = [code for code in LANGUAGES if code not in sources]
        if missing:
            raise SkyshareError(f"Phrase files missing for {', '.join(missing)}.")
        texts: dict[str, dict[str, str]] = {}
        languages: dict[str, _Language] = {}
        for code in LANGUAGES:
            languages[code], texts[code] = _parse_language(code, sources[code])
        reference = texts["en"]
        built: dict[str, Template] = {}
        for template_id, english in reference.items():
            params = _placeholders(f"en.toml [templates.{template_id}]", english)
            for code in LANGUAGES:
                where = f"{code}.toml [templates.{template_id}]"
                if template_id not in texts[code]:
                    raise SkyshareError(f"{where}: missing; every language needs every template.")
                theirs = _placeholders(where, texts[code][template_id])
                if set(theirs) != set(params):
                    raise SkyshareError(
                        f"{where}: uses {sorted(theirs)} but English uses {sorted(params)}."
                    )
            built[template_id] = Template(
                template_id, params, {code: texts[code][template_id] for code in LANGUAGES}
            )
        for code in LANGUAGES:
            if extra := sorted(set(texts[code]) - set(reference)):
                raise SkyshareError(f"{code}.toml: templates {extra} have no English original.")
        self._languages = languages
        self._templates = built

    @classmethod
    def packaged(cls) -> PhraseBook:
        """The phrase files shipped in ``skyshare/hotline/phrases/``."""
        folder = resources.files("skyshare.hotline").joinpath("phrases")
        return cls({code: folder.joinpath(f"{code}.toml").read_text("utf-8") for code in LANGUAGES})

    def templates(self) -> list[Template]:
        """Every template, sorted by id."""
        return [self._templates[key] for key in sorted(self._templates)]

    def template(self, template_id: object) -> Template:
        """The template with this id; :class:`UnknownTemplate` (field ``template``) if none."""
        if not isinstance(template_id, str) or template_id not in self._templates:
            known = ", ".join(sorted(self._templates))
            raise UnknownTemplate(
                f"There is no template {template_id!r}; the templates are: {known}.",
                field="template",
            )
        return self._templates[template_id]

    def check_params(self, template_id: object, params: object) -> dict[str, Any]:
        """Validate ``params`` for the template; return them parsed (times as epoch seconds).

        Raises :class:`InvalidInput` with field ``params.<name>`` for a missing, unknown,
        wrongly typed or out-of-range parameter (field ``params`` if it is not an object).
        """
        template = self.template(template_id)
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise InvalidInput(
                "params must be an object mapping parameter names to values.", field="params"
            )
        takes = ", ".join(template.params) or "no parameters"
        for name in template.params:
            if name not in params:
                raise InvalidInput(
                    f"params.{name} is missing: template {template.id} takes {takes}.",
                    field=f"params.{name}",
                )
        for name in sorted(map(str, params)):
            if name not in template.params:
                raise InvalidInput(
                    f"params.{name} is not a parameter of template {template.id} "
                    f"(it takes {takes}).",
                    field=f"params.{name}",
                )
        return {
            name: _PARAMS[name].check(f"params.{name}", params[name]) for name in template.params
        }

    def render(self, template_id: object, params: object, language: object) -> str:
        """The template's text in ``language`` with every parameter written out."""
        if not isinstance(language, str) or language not in self._languages:
            raise InvalidInput(
                f"language must be one of {', '.join(LANGUAGES)}; got {_kind_of(language)}.",
                field="language",
            )
        template = self.template(template_id)
        values = self.check_params(template_id, params)
        lang = self._languages[language]
        rendered = {name: _PARAMS[name].render(values[name], lang) for name in template.params}
        return _fill(template.text[language], rendered)


@cache
def _packaged() -> PhraseBook:
    return PhraseBook.packaged()


def templates() -> list[Template]:
    """Every packaged template, sorted by id (``GET /v1/templates`` via ``to_json``)."""
    return _packaged().templates()


def check_params(template_id: object, params: object) -> dict[str, Any]:
    """Validate a message's ``template`` and ``params`` against the packaged phrases."""
    return _packaged().check_params(template_id, params)


def render(template_id: object, params: object, language: object) -> str:
    """A packaged template in ``language`` (``en``, ``ar``, ``ru``) with ``params`` filled.

    >>> render("request_climb", {"altitude_m": 3048}, "en")
    'Request your aircraft climb to 3,048 metres (10,000 feet).'
    """
    return _packaged().render(template_id, params, language)


def _parse_language(code: str, source: str) -> tuple[_Language, dict[str, str]]:
    where = f"{code}.toml"
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise SkyshareError(f"{where}: not valid TOML: {exc}.") from exc
    if data.get("language") != code:
        raise SkyshareError(f"{where}: language must be {code!r}.")
    formats = data.get("format", {})
    if set(formats) != _FORMAT_KEYS:
        raise SkyshareError(f"{where} [format]: needs exactly the keys {sorted(_FORMAT_KEYS)}.")
    if formats["digits"] not in ("latn", "arab"):
        raise SkyshareError(f"{where} [format]: digits must be 'latn' or 'arab'.")
    choices = data.get("choices", {})
    for name, values in _CHOICES.items():
        if set(choices.get(name, {})) != set(values):
            raise SkyshareError(f"{where} [choices.{name}]: needs exactly {list(values)}.")
    templates = data.get("templates", {})
    texts: dict[str, str] = {}
    for template_id, table in templates.items():
        if (
            not isinstance(table, dict)
            or set(table) != {"text"}
            or not isinstance(table["text"], str)
        ):
            raise SkyshareError(f"{where} [templates.{template_id}]: needs one string `text`.")
        texts[template_id] = table["text"]
    language = _Language(
        code=code,
        locale=Locale.parse(formats["locale"]),
        arabic_digits=formats["digits"] == "arab",
        formats={key: value for key, value in formats.items() if key not in ("locale", "digits")},
        choices=choices,
    )
    return language, texts


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Substitute ``{name}`` fields; a value ending in an abbreviation's full stop absorbs the
    sentence's own (``… 2026 г.`` + ``.`` → ``… 2026 г.``), as typography in all three
    languages does."""
    out: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        if out and out[-1].endswith(".") and literal.startswith("."):
            literal = literal[1:]
        out.append(literal)
        if field is not None:
            out.append(values[field])
    return "".join(out)


def _placeholders(where: str, text: str) -> tuple[str, ...]:
    """Parameter names in ``text`` in order of first use; only plain ``{name}`` fields allowed."""
    names: list[str] = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if field not in _PARAMS or spec or conversion:
            raise SkyshareError(
                f"{where}: {{{field}}} is not a parameter name (known: {sorted(_PARAMS)})."
            )
        if field not in names:
            names.append(field)
    return tuple(names)
