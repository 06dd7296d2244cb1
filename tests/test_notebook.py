"""``skyshare.detect`` for notebooks: DataFrame or mapping in, DataFrame out."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

import skyshare
from skyshare import notebook
from skyshare.errors import InvalidInput


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "aircraft_id": ["Z", "A", "C"],
            "lat": [0.0, 0.0, 0.0],
            "lng": [1.0, 0.0, 0.045],
            "altitude_m": [10000.0, 10000.0, 10000.0],
            "ground_speed_mps": [250.0, 250.0, 250.0],
            "track_deg": [270.0, 90.0, 90.0],
            "vertical_rate_mps": [0.0, 0.0, 0.0],
        }
    )


def test_dataframe_in_dataframe_out() -> None:
    out = skyshare.detect(frame())
    assert list(out.columns) == ["a", "b", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s", "los"]
    assert list(zip(out["a"], out["b"], strict=True)) == [("A", "C"), ("A", "Z"), ("C", "Z")]
    assert out["los"].tolist() == [True, False, False]
    assert math.isinf(out["t_out_s"].iloc[0])


def test_mapping_of_arrays_without_ids_and_minima() -> None:
    arrays = {str(k): np.asarray(v) for k, v in frame().drop(columns="aircraft_id").items()}
    out = notebook.detect(arrays, horizontal_m=4000.0, lookahead_s=100.0)
    assert out.empty
    out = notebook.detect(arrays)
    assert list(zip(out["a"], out["b"], strict=True)) == [("0", "1"), ("0", "2"), ("1", "2")]


def test_missing_column_and_duplicate_ids() -> None:
    with pytest.raises(InvalidInput, match="lacks the column 'track_deg'"):
        notebook.detect(frame().drop(columns="track_deg"))
    dup = frame()
    dup.loc[2, "aircraft_id"] = "A"
    with pytest.raises(InvalidInput, match="unique"):
        notebook.detect(dup)


def test_doctest() -> None:
    assert doctest.testmod(notebook).failed == 0
