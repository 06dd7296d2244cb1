"""``skyshare.detect`` for notebooks: a DataFrame (or mapping of arrays) in, a DataFrame out.

pandas is the optional extra ``skyshare[pandas]``; it is imported only when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from skyshare.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["detect"]

_COLUMNS = (
    ("lat", "lat_deg"),
    ("lng", "lng_deg"),
    ("altitude_m", "alt_m"),
    ("ground_speed_mps", "gs_mps"),
    ("track_deg", "trk_deg"),
    ("vertical_rate_mps", "vs_mps"),
)


def detect(
    df_or_arrays: pd.DataFrame | Mapping[str, Any],
    horizontal_m: float = 9260.0,
    vertical_m: float = 304.8,
    lookahead_s: float = 300.0,
) -> pd.DataFrame:
    """Conflicting pairs of a snapshot as a DataFrame sorted by ``(a, b)``.

    Input columns are those of the ``detect`` CSV (``aircraft_id, lat, lng, altitude_m,
    ground_speed_mps, track_deg, vertical_rate_mps``; without ``aircraft_id`` rows are named
    by position). Output columns: ``a, b, tcpa_s, dcpa_m, t_in_s, t_out_s, los`` where ``los``
    says the pair is already in loss of separation; unbounded window ends are ±inf.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"aircraft_id": ["A", "B"], "lat": [0.0, 0.0], "lng": [0.0, 1.0],
    ...     "altitude_m": [10000.0, 10000.0], "ground_speed_mps": [250.0, 250.0],
    ...     "track_deg": [90.0, 270.0], "vertical_rate_mps": [0.0, 0.0]})
    >>> detect(df)[["a", "b", "dcpa_m", "los"]]
       a  b  dcpa_m    los
    0  A  B     0.0  False
    """
    import pandas as pd

    from skyshare.engines.tactical import TacticalParams
    from skyshare.engines.tactical import detect as run

    arrays: dict[str, np.ndarray[tuple[int], np.dtype[np.float64]]] = {}
    for column, name in _COLUMNS:
        if column not in df_or_arrays:
            raise InvalidInput(f"The input lacks the column {column!r}.", field=column)
        arrays[name] = np.asarray(df_or_arrays[column], dtype=np.float64).reshape(-1)
    n = arrays["lat_deg"].shape[0]
    if "aircraft_id" in df_or_arrays:
        ids = [str(x) for x in np.asarray(df_or_arrays["aircraft_id"]).reshape(-1)]
    else:
        ids = [str(k) for k in range(n)]
    if len(set(ids)) != len(ids):
        raise InvalidInput("aircraft_id values must be unique.", field="aircraft_id")
    result = run(
        **arrays,
        params=TacticalParams(
            horizontal_m=horizontal_m, vertical_m=vertical_m, lookahead_s=lookahead_s
        ),
    )
    c = result.conflicts
    los = set(zip(result.los.i.tolist(), result.los.j.tolist(), strict=True))
    rows = []
    for k, (i, j) in enumerate(zip(c.i.tolist(), c.j.tolist(), strict=True)):
        a, b = sorted((ids[i], ids[j]))
        rows.append(
            {
                "a": a,
                "b": b,
                "tcpa_s": float(c.tcpa_s[k]),
                "dcpa_m": float(c.dcpa_m[k]),
                "t_in_s": float(c.t_in_s[k]),
                "t_out_s": float(c.t_out_s[k]),
                "los": (i, j) in los,
            }
        )
    columns = ["a", "b", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s", "los"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["a", "b"], ignore_index=True)
