"""Airspace importers: OpenAir, GeoJSON, EUROCAE ED-269 and ED-318 files as restrictions."""

from __future__ import annotations

from skyshare.importers._common import ImportResult, Skipped
from skyshare.importers.detect import FORMATS, read_restrictions, read_restrictions_bytes

__all__ = ["FORMATS", "ImportResult", "Skipped", "read_restrictions", "read_restrictions_bytes"]
