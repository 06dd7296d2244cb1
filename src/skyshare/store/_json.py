"""JSON text columns: compact, UTF-8, no NaN."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Any:
    return json.loads(text)
