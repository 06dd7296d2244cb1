"""Readers for aircraft state files: snapshots for ``detect``, recordings for ``replay``.

Each reader turns a file into structure-of-arrays in SI units, and refuses a bad row with
``InvalidInput("file:line: message")``. Rows a real receiver legitimately leaves incomplete
(no position yet, no velocity yet) are skipped, not refused.
"""
