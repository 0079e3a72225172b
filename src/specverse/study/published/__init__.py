"""The paper's published Tables 1 and 2 (see README.md here for the transcription)."""

from pathlib import Path

import pandas as pd

_HERE = Path(__file__).parent


def table1() -> pd.DataFrame:
    """variable, mean, min, max, sd."""
    return pd.read_csv(_HERE / "table1.csv")


def table2() -> pd.DataFrame:
    """model, term, slope, robust_se, stars_one_tailed (empty string where no star)."""
    return pd.read_csv(_HERE / "table2.csv", keep_default_na=False, na_values={"slope": [""], "robust_se": [""]})


def table2_fit() -> pd.DataFrame:
    """model, f_statistic, f_stars, r_squared, n."""
    return pd.read_csv(_HERE / "table2_fit.csv", keep_default_na=False, na_values={"f_statistic": [""], "r_squared": [""]})


def coefficients(model: int) -> dict[str, float]:
    """Published slopes of one model, by Table 2 term name."""
    t = table2()
    t = t[t["model"] == model]
    return dict(zip(t["term"], t["slope"].astype(float)))
