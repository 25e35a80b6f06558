"""Reading a fitted model and a data file for the command line, and making them agree.

Model files
-----------
``.joblib`` / ``.pkl`` / ``.pickle`` / ``.sav``
    Loading runs code stored in the file: refused unless ``trust=True`` (and
    then a warning is printed).
``.skops``
    Loaded with :mod:`skops.io`; types skops does not trust by default are
    refused unless ``trust=True``.
``.json`` / ``.ubj``
    xgboost models (as ``XGBClassifier`` / ``XGBRegressor`` when the objective
    says which, else a ``Booster``).
``.txt`` / ``.lgb``
    lightgbm models (``lightgbm.Booster``).

Data files: ``.csv`` (also ``.csv.gz``, ``.tsv``) and ``.parquet`` / ``.pq``.
Every problem is a :class:`InputError` with a one-line message.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["InputError", "load_model", "load_data", "split_target", "align", "PICKLE_SUFFIXES"]

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".sav")
SKOPS_SUFFIXES = (".skops",)
XGB_SUFFIXES = (".json", ".ubj")
LGB_SUFFIXES = (".txt", ".lgb")
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".csv.zip", ".csv.bz2", ".csv.xz")
PARQUET_SUFFIXES = (".parquet", ".pq")


#: Names native boosters give to columns they were trained on without names.
_GENERIC = re.compile(r"(Column_|f)\d+")


class InputError(ValueError):
    """A problem with a file or an option the user gave (reported in one line)."""


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in CSV_SUFFIXES:
        if name.endswith(s):
            return s
    return path.suffix.lower()


def _check_file(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"cannot read the {what} file {str(p)!r}: it does not exist")
    if p.is_dir():
        raise InputError(f"the {what} path {str(p)!r} is a folder, not a file")
    try:
        with open(p, "rb") as fh:
            fh.read(1)
    except OSError as e:
        raise InputError(f"cannot read the {what} file {str(p)!r}: {e.strerror}") from None
    return p


def _warn(msg: str) -> None:
    print(f"unboxed: warning: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ models
def load_model(path: str | Path, *, trust: bool = False) -> Any:
    """Load a fitted model from ``path`` (see the module docstring for the formats)."""
    p = _check_file(path, "model")
    suffix = _suffix(p)
    if suffix in PICKLE_SUFFIXES:
        if not trust:
            raise InputError(f"{p.name} is a {suffix[1:]} file, and loading it runs code stored in it; pass "
                             "--trust if you trust its source (or save the model with skops)")
        _warn(f"loading {p.name} runs code stored in it; do this only for files you trust")
        import joblib
        try:
            return joblib.load(p)
        except Exception as e:  # unpickling can raise anything
            raise InputError(f"cannot load the model file {p.name}: {type(e).__name__}: {e}") from None
    if suffix in SKOPS_SUFFIXES:
        return _load_skops(p, trust)
    if suffix in XGB_SUFFIXES:
        return _load_xgboost(p)
    if suffix in LGB_SUFFIXES:
        return _load_lightgbm(p)
    raise InputError(f"unknown model file type {suffix or '(none)'!r} of {p.name}; expected .joblib/.pkl (with "
                     "--trust), .skops, .json/.ubj (xgboost) or .txt (lightgbm)")


def _load_skops(p: Path, trust: bool) -> Any:
    try:
        import skops.io as sio
    except ImportError:
        raise InputError("reading .skops files needs skops: pip install skops") from None
    try:
        untrusted = sio.get_untrusted_types(file=p)
    except Exception as e:
        raise InputError(f"cannot read the skops file {p.name}: {type(e).__name__}: {e}") from None
    if untrusted and not trust:
        raise InputError(f"{p.name} holds types skops does not trust by default: {sorted(untrusted)[:8]}; "
                         "pass --trust to load them anyway")
    if untrusted:
        _warn(f"loading {p.name} with types skops does not trust by default: {sorted(untrusted)[:8]}")
    try:
        return sio.load(p, trusted=list(untrusted))
    except Exception as e:
        raise InputError(f"cannot load the skops file {p.name}: {type(e).__name__}: {e}") from None


def _load_xgboost(p: Path) -> Any:
    try:
        import xgboost as xgb
    except ImportError:
        raise InputError(f"{p.name} looks like an xgboost model, but xgboost is not installed: "
                         "pip install xgboost-cpu") from None
    try:
        booster = xgb.Booster()
        booster.load_model(str(p))
        objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    except Exception as e:
        raise InputError(f"cannot read {p.name} as an xgboost model: {str(e).splitlines()[0][:200]}") from None
    if objective.startswith(("binary:", "multi:")):
        model = xgb.XGBClassifier()
    elif objective.startswith(("reg:", "count:", "survival:")):
        model = xgb.XGBRegressor()
    else:
        return booster
    try:
        model.load_model(str(p))
    except Exception:
        return booster
    return model


def _load_lightgbm(p: Path) -> Any:
    try:
        import lightgbm as lgb
    except ImportError:
        raise InputError(f"{p.name} looks like a lightgbm model, but lightgbm is not installed: "
                         "pip install lightgbm") from None
    with open(p, "rb") as fh:
        head = fh.read(64)
    if not head.startswith(b"tree"):
        raise InputError(f"cannot read {p.name} as a lightgbm model: a lightgbm text model starts with 'tree'")
    try:
        return lgb.Booster(model_file=str(p))
    except Exception as e:
        raise InputError(f"cannot read {p.name} as a lightgbm model: {str(e).splitlines()[0][:200]}") from None


# -------------------------------------------------------------------- data
def load_data(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (at least one row and one column)."""
    p = _check_file(path, "data")
    suffix = _suffix(p)
    if suffix in PARQUET_SUFFIXES:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            try:
                import fastparquet  # noqa: F401
            except ImportError:
                raise InputError(f"reading Parquet ({p.name}) needs pyarrow: pip install pyarrow") from None
        try:
            frame = pd.read_parquet(p)
        except Exception as e:
            raise InputError(f"cannot read {p.name} as Parquet: {str(e).splitlines()[0][:200]}") from None
    elif suffix in CSV_SUFFIXES or suffix in (".txt", ".data"):
        sep = "\t" if suffix.startswith(".tsv") else ","
        try:
            frame = pd.read_csv(p, sep=sep)
        except UnicodeDecodeError:
            raise InputError(f"cannot read {p.name} as CSV: it is not UTF-8 text") from None
        except pd.errors.EmptyDataError:
            raise InputError(f"{p.name} is empty") from None
        except (pd.errors.ParserError, ValueError) as e:
            raise InputError(f"cannot read {p.name} as CSV: {str(e).splitlines()[0][:200]}") from None
    else:
        raise InputError(f"unknown data file type {suffix or '(none)'!r} of {p.name}; expected .csv or .parquet")
    if frame.shape[1] == 0:
        raise InputError(f"{p.name} has no columns")
    if frame.shape[0] == 0:
        raise InputError(f"{p.name} has a header but no rows")
    frame.columns = [str(c) for c in frame.columns]
    if len(set(frame.columns)) != frame.shape[1]:
        dup = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
        raise InputError(f"{p.name} has repeated column names: {dup[:10]}")
    return frame


def split_target(frame: pd.DataFrame, target: str | None, name: str = "DATA") -> tuple[pd.DataFrame, Any]:
    """Remove the target column: (features, target or None)."""
    if target is None:
        return frame, None
    if target not in frame.columns:
        close = [c for c in frame.columns if c.lower() == target.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"the target column {target!r} is not in {name}{hint}. Its columns are "
                         f"{list(frame.columns)[:15]}{'...' if frame.shape[1] > 15 else ''}")
    y = frame[target]
    if y.isna().any():
        raise InputError(f"the target column {target!r} has {int(y.isna().sum())} missing values; "
                         "drop those rows first")
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise InputError(f"{name} has no feature columns besides the target {target!r}")
    return X, y


# --------------------------------------------------------------- agreement
def _expected_names(model: Any) -> list[str] | None:
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    mod = type(model).__module__.split(".")[0]
    if mod == "lightgbm" and hasattr(model, "feature_name"):
        try:
            names = model.feature_name()
        except Exception:
            names = None
        return None if names is None else [str(n) for n in names]
    if mod == "xgboost" and type(model).__name__ == "Booster":
        return None if model.feature_names is None else [str(n) for n in model.feature_names]
    return None


def _expected_count(model: Any) -> int | None:
    n = getattr(model, "n_features_in_", None)
    if isinstance(n, (int, np.integer)):
        return int(n)
    mod = type(model).__module__.split(".")[0]
    try:
        if mod == "lightgbm" and hasattr(model, "num_feature"):
            return int(model.num_feature())
        if mod == "xgboost" and type(model).__name__ == "Booster":
            return int(model.num_features())
    except Exception:
        return None
    return None


def _probe(model: Any, X: pd.DataFrame) -> Exception | None:
    """Evaluate the model on a few rows; the exception it raises, or None."""
    import warnings

    from .._model import model_function
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = model_function(model, X.iloc[: min(5, len(X))])
            f.predict(X.iloc[: min(5, len(X))])
    except Exception as e:  # any failure means "this form does not fit the model"
        return e
    return None


def _as_category(X: pd.DataFrame) -> pd.DataFrame:
    out = X.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].astype("category")
    return out


def align(model: Any, X: pd.DataFrame, name: str = "DATA") -> pd.DataFrame:
    """The columns of ``X`` the model needs, in its order and in a form it accepts.

    Columns the model does not use are dropped (with a warning); a column it
    needs but ``X`` lacks is an :class:`InputError`. Text columns are given to
    the model as read; when it rejects them, as pandas ``category`` columns
    (what native-categorical gradient boosting expects).
    """
    expected = _expected_names(model)
    positional = expected is not None and all(_GENERIC.fullmatch(n) for n in expected) and \
        not set(expected) <= set(X.columns)
    if expected is not None and not positional:
        missing = [n for n in expected if n not in X.columns]
        if missing:
            raise InputError(f"the model needs columns that {name} lacks: {missing[:10]}"
                             f"{' ...' if len(missing) > 10 else ''}")
        extra = [c for c in X.columns if c not in expected]
        if extra:
            _warn(f"ignoring {len(extra)} column(s) of {name} the model does not use: {extra[:10]}")
        X = X[expected]
    else:
        n_expected = _expected_count(model)
        if n_expected is not None and n_expected != X.shape[1]:
            raise InputError(f"{name} has {X.shape[1]} feature columns (without the target), the model expects "
                             f"{n_expected}")
    err = _probe(model, X)
    if err is None:
        return X
    if any(X[c].dtype == object or pd.api.types.is_string_dtype(X[c].dtype) for c in X.columns):
        Xc = _as_category(X)
        if _probe(model, Xc) is None:
            return Xc
    msg = str(err).splitlines()[0] if str(err) else type(err).__name__
    raise InputError(f"the model and {name} disagree: {msg[:300]}")
