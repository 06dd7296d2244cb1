"""What every command shares: error reporting as exit codes, database option, agreement file."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from skyshare.errors import SkyshareError

__all__ = ["DB_OPTION", "load_agreement_file", "minima_options", "reports_errors"]

P = ParamSpec("P")
R = TypeVar("R")

DB_OPTION = click.option(
    "--db",
    default="skyshare.db",
    show_default=True,
    help="SQLite file (created if absent) or a postgresql:// URL.",
)


def minima_options(fn: Callable[P, R]) -> Callable[P, R]:
    """``--horizontal-m``, ``--vertical-m``, ``--lookahead-s`` with BlueSky's defaults."""
    fn = click.option(
        "--lookahead-s",
        type=float,
        default=300.0,
        show_default=True,
        help="Prediction horizon in seconds.",
    )(fn)
    fn = click.option(
        "--vertical-m",
        type=float,
        default=304.8,
        show_default=True,
        help="Vertical minimum in metres (1,000 ft).",
    )(fn)
    return click.option(
        "--horizontal-m",
        type=float,
        default=9260.0,
        show_default=True,
        help="Horizontal minimum in metres (5 NM).",
    )(fn)


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a SkyshareError into a message on stderr and its exit code (2 for bad input)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SkyshareError as exc:
            where = f" ({exc.field})" if exc.field and exc.field not in exc.message else ""
            click.echo(f"error: {exc.message}{where}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _line_of(text: str, key: str) -> int | None:
    m = re.search(rf"^\s*{re.escape(key.split('[')[0].split('.')[0])}\s*=", text, re.MULTILINE)
    return None if m is None else text.count("\n", 0, m.start()) + 1


def load_agreement_file(path: str) -> Any:
    """An Agreement from a TOML file; errors say ``file:line: message`` (exit 2)."""
    import tomllib

    from skyshare.errors import InvalidInput
    from skyshare.model.agreement import agreement_from_mapping

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the agreement file: {exc}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = m.group(1) if m else "1"
        raise InvalidInput(f"{path}:{line}: {exc}.") from exc
    try:
        return agreement_from_mapping(data)
    except InvalidInput as exc:
        line_no = _line_of(text, exc.field) if exc.field else None
        raise InvalidInput(f"{path}:{line_no or 1}: {exc.message}", field=exc.field) from exc
