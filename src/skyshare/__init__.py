"""skyshare: deconfliction for operators who share airspace but not plans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "detect"]

if TYPE_CHECKING:  # pragma: no cover
    from skyshare.notebook import detect


def __getattr__(name: str) -> Any:
    # Lazy so that `import skyshare` (and the CLI) stays instant.
    if name == "detect":
        from skyshare.notebook import detect

        return detect
    raise AttributeError(name)
