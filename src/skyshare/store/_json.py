"""JSON text columns: compact, UTF-8, no NaN.

Reading goes through orjson (a conflicting notice's refusal reads dozens of stored volume
lists); what orjson refuses but the standard library accepts (integers beyond 64 bits) is
read by the latter, so every stored text reads as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
