"""Canonical JSON (RFC 8785, "JCS"): the exact bytes that are signed and hashed.

Signatures and the audit chain are only reproducible if every party turns the same JSON value
into the same bytes. RFC 8785 fixes that: keys sorted by UTF-16 code units, no whitespace,
ECMAScript number formatting, minimal string escaping, UTF-8.

The maintained ``rfc8785`` package is the reference implementation here. Because it is pure
Python (about 18 µs for a typical audit record) and verifying a 10^6-entry chain must take
under 10 s, :func:`canonical_json` first tries a fast path through the C ``json`` encoder for
values where its output is provably identical to RFC 8785 (see :func:`_plain`): dicts with
ASCII keys, lists, strings, booleans, ``None``, safe integers and everyday floats. Anything
else (tiny or huge floats, non-ASCII keys, tuples) goes to ``rfc8785``. A property test holds
the two paths equal.

>>> canonical_json({"b": [1, True, None], "a": "é"})
b'{"a":"\\xc3\\xa9","b":[1,true,null]}'
>>> canonical_json({"altitude_m": 3048.0, "lat": 35.5})
b'{"altitude_m":3048,"lat":35.5}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

import rfc8785

from skyshare.errors import InvalidInput

__all__ = ["canonical_json", "canonical_json_reference"]

#: RFC 8785 §3.2.2.3 and I-JSON (RFC 7493 §2.2): integers must be exact as IEEE 754 doubles.
_MAX_SAFE_INTEGER = 2**53 - 1

#: Marks a value the fast path cannot encode exactly.
_SLOW: Final = object()

_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    allow_nan=False,
    check_circular=False,
    sort_keys=True,
    separators=(",", ":"),
)


def _c_encoder() -> Callable[[Any], str]:
    """``_ENCODER.encode`` without its per-call set-up, when CPython's C encoder is present.

    ``JSONEncoder.encode`` builds a new C encoder object on every call; building it once saves
    about a third of the time for a small record. Same C code, same bytes; the property test
    compares this path with the reference either way.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    escape = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or escape is None:
        return _ENCODER.encode
    encode = make(None, _ENCODER.default, escape, None, ":", ",", True, False, False)
    return lambda obj: "".join(encode(obj, 0))


_encode = _c_encoder()


def canonical_json(obj: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises :class:`InvalidInput` for values JSON cannot represent canonically: NaN and
    infinities (RFC 8785 §3.2.2.3), integers beyond ±(2^53 − 1), non-string keys, lone
    surrogates and non-JSON types.
    """
    plain = _plain(obj)
    if plain is not _SLOW:
        try:
            return _encode(plain).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference report it
    return canonical_json_reference(obj)


def canonical_json_reference(obj: Any) -> bytes:
    """RFC 8785 bytes straight from the ``rfc8785`` package: the slow twin of the fast path."""
    try:
        return rfc8785.dumps(obj)
    except rfc8785.FloatDomainError as exc:
        where = _nonfinite_path(obj, "")
        raise InvalidInput(
            f"JSON numbers must be finite, but {where or 'the value'} is NaN or infinite; "
            "neither has a canonical JSON form (RFC 8785 §3.2.2.3).",
            field=where or None,
        ) from exc
    except rfc8785.IntegerDomainError as exc:
        raise InvalidInput(
            f"JSON integers must lie within ±(2^53 − 1) to be signed or hashed (RFC 8785 "
            f"§3.2.2.3): {exc}.",
        ) from exc
    except rfc8785.CanonicalizationError as exc:
        raise InvalidInput(f"This value has no canonical JSON form (RFC 8785): {exc}.") from exc


def _plain(obj: Any) -> Any:
    """``obj`` in a form whose C ``json`` encoding is byte-identical to RFC 8785, or ``_SLOW``.

    Why this is exact: ASCII keys sort the same by code point (Python) as by UTF-16 unit
    (RFC 8785 §3.2.3); the C encoder escapes exactly the characters RFC 8785 §3.2.2.2 escapes,
    in the same forms; integers within ±(2^53 − 1) print the same; and for a non-integral
    float with 1e-4 ≤ |x| < 1e16, Python's ``repr`` and ECMAScript's Number-to-String
    (RFC 8785 §3.2.2.3) both print the shortest round-tripping digits without an exponent.
    Integral floats in the safe range become ``int`` (``3048.0`` → ``3048``, ``-0.0`` →
    ``0``), copying only the containers that hold one. Everything else is ``_SLOW``.
    """
    kind = type(obj)
    if kind is dict:
        copied: dict[str, Any] | None = None
        for key, value in obj.items():
            if type(key) is not str or not key.isascii():
                return _SLOW
            leaf = type(value)
            if leaf is str or value is None or leaf is bool:
                continue  # the common leaves, checked inline to save a call
            new = _plain(value)
            if new is not value:
                if new is _SLOW:
                    return _SLOW
                if copied is None:
                    copied = dict(obj)
                copied[key] = new
        return obj if copied is None else copied
    if kind is str or kind is bool or obj is None:
        return obj
    if kind is int:
        return obj if -_MAX_SAFE_INTEGER <= obj <= _MAX_SAFE_INTEGER else _SLOW
    if kind is float:
        if obj.is_integer():
            return int(obj) if -_MAX_SAFE_INTEGER <= obj <= _MAX_SAFE_INTEGER else _SLOW
        return obj if 1e-4 <= abs(obj) < 1e16 else _SLOW
    if kind is list:
        items: list[Any] | None = None
        for index, value in enumerate(obj):
            new = _plain(value)
            if new is not value:
                if new is _SLOW:
                    return _SLOW
                if items is None:
                    items = list(obj)
                items[index] = new
        return obj if items is None else items
    return _SLOW


def _nonfinite_path(obj: Any, path: str) -> str | None:
    """The dotted path of the first NaN or infinity in ``obj`` (``""`` for obj itself)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return path
    if isinstance(obj, dict):
        for key, value in obj.items():
            found = _nonfinite_path(value, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            found = _nonfinite_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
