"""Permutation feature importance (single features and groups of features).

The importance of a feature (or group) is how much a score drops when its
column(s) are shuffled: ``baseline - permuted score``. The permuted copies of
the data for a chunk of (repeat, feature) pairs are stacked and sent to the
model in one call.

For scikit-learn scorers (which call ``estimator.predict_proba(X)`` and the
like themselves) the scorer is first run once on the unpermuted data through a
recording wrapper that learns which response methods it calls. Exactly those
methods are then evaluated on all permuted rows in big batches, and each
(repeat, feature) is scored by handing the scorer a replay estimator that
returns the precomputed responses. The most common scorers (accuracy, R²,
(R)MSE, MAE, log loss, ROC AUC) are additionally vectorized over all
permutations of a chunk, after checking that the vectorized form reproduces
the scorer's own value on the unpermuted data.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data import Schema
from .._model import (ModelFunction, _is_lgb_booster, _is_xgb_booster, default_feature_names, model_function,
                      prepare, provenance)
from .._parallel import chunk_slices, map_chunks, rows_per_chunk
from .._results import Importance
from .._validation import ModelError, check_positive_int, model_error, check_random_state, describe, resolve_seed

__all__ = ["permutation_importance"]

#: Most model rows (and bytes of encoded input) one chunk may build.
MAX_CHUNK_ROWS = 2**18
MAX_CHUNK_BYTES = 256 * 2**20
_RESPONSE_METHODS = ("predict", "predict_proba", "decision_function", "predict_log_proba")


# ----------------------------------------------------------------- replay
class _Placeholder:
    """Stands for the permuted rows handed to a replayed scorer (which never looks at them)."""

    def __init__(self, n_rows: int, n_features: int):
        self.shape = (n_rows, n_features)

    def __len__(self) -> int:
        return self.shape[0]


def _call_model(method: Any, name: str, model: Any, X: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return method(X, *args, **kwargs)
    except ModelError:
        raise
    except Exception as e:
        hint = ""
        try:
            named = hasattr(X, "isna")
            frame = X if named else pd.DataFrame(np.asarray(X, dtype=object))
            nan_cols = [c if named else int(c) for c, v in frame.isna().any(axis=0).items() if v][:5]
            if nan_cols:
                where = f"columns {nan_cols}" if named else f"the columns at positions {nan_cols}"
                hint = f". The data has missing values in {where}; this model may not accept NaN"
        except Exception:  # pragma: no cover - exotic containers (polars, sparse): no hint
            pass
        raise model_error(f"the model ({type(model).__name__}) raised {type(e).__name__} in {name} on "
                          f"{len(X)} rows: {e}{hint}",
                          bad_input=bool(hint) and isinstance(e, (ValueError, TypeError))) from e


class _Recorder:
    """The model, seen by a scorer: forwards everything and records responses on ``X``."""

    def __init__(self, model: Any, X: Any):
        self.__dict__.update(_model=model, _X=X, calls={})

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_model" not in d:
            raise AttributeError(name)
        model = d["_model"]
        attr = getattr(model, name)
        if name not in _RESPONSE_METHODS or not callable(attr):
            return attr

        def method(X: Any, *args: Any, **kwargs: Any) -> Any:
            out = _call_model(attr, name, model, X, *args, **kwargs)
            if X is d["_X"] and not args and not kwargs:
                d["calls"][name] = out
            return out

        method.__name__ = name
        return method


class _Replay:
    """An estimator that answers response methods with precomputed arrays.

    Everything else (``classes_``, ``__sklearn_tags__``, ...) comes from the
    model, so scikit-learn sees a classifier / regressor like the model.
    """

    def __init__(self, model: Any, responses: dict):
        self.__dict__.update(_model=model, _responses=responses)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_model" not in d:
            raise AttributeError(name)
        if name in d["_responses"]:
            arr = d["_responses"][name]

            def method(X: Any, *args: Any, **kwargs: Any) -> Any:
                if not isinstance(X, _Placeholder) or args or kwargs:
                    raise RuntimeError(f"the scorer called {name} in a way the unpermuted run did not")
                return arr

            method.__name__ = name
            return method
        if name in _RESPONSE_METHODS:
            raise AttributeError(f"{name} was not used by the scorer on the unpermuted data")
        return getattr(d["_model"], name)


# ------------------------------------------------------ vectorized scorers
def _labels_index(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.unique(y)
    return labels, np.searchsorted(labels, y)


def _fast_accuracy(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    pred = np.asarray(resp["predict"]).reshape(m, -1)
    return (pred == y[None, :]).mean(axis=1)


def _fast_r2(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    pred = np.asarray(resp["predict"], dtype=np.float64).reshape(m, -1)
    yf = y.astype(np.float64)
    den = ((yf - yf.mean()) ** 2).sum()
    if den == 0:
        raise _NoFastPath
    return 1.0 - ((yf[None, :] - pred) ** 2).sum(axis=1) / den


def _fast_neg_mse(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    pred = np.asarray(resp["predict"], dtype=np.float64).reshape(m, -1)
    return -((y.astype(np.float64)[None, :] - pred) ** 2).mean(axis=1)


def _fast_neg_rmse(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    return -np.sqrt(-_fast_neg_mse(resp, y, m))


def _fast_neg_mae(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    pred = np.asarray(resp["predict"], dtype=np.float64).reshape(m, -1)
    return -np.abs(y.astype(np.float64)[None, :] - pred).mean(axis=1)


def _fast_neg_log_loss(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    P = np.asarray(resp["predict_proba"], dtype=np.float64)
    n = y.shape[0]
    labels, idx = _labels_index(y)
    P = P.reshape(m, n, -1)
    if P.shape[2] != labels.size or labels.size < 2:
        raise _NoFastPath
    eps = np.finfo(np.float64).eps
    if labels.size == 2:  # the scorer keeps the positive column p and uses [1 - p, p]
        p1 = P[:, :, 1]
        chosen = np.where(idx[None, :] == 1, p1, 1.0 - p1)
    else:
        chosen = P[:, np.arange(n), idx]
    return np.log(np.clip(chosen, eps, 1 - eps)).mean(axis=1)


def _fast_roc_auc(resp: dict, y: np.ndarray, m: int) -> np.ndarray:
    from scipy.stats import rankdata
    labels, idx = _labels_index(y)
    if labels.size != 2:
        raise _NoFastPath
    n = y.shape[0]
    if "decision_function" in resp:
        s = np.asarray(resp["decision_function"], dtype=np.float64)
        if s.ndim != 1:
            raise _NoFastPath
        s = s.reshape(m, n)
    elif "predict_proba" in resp:
        s = np.asarray(resp["predict_proba"], dtype=np.float64).reshape(m, n, -1)[:, :, 1]
    else:
        raise _NoFastPath
    pos = idx == 1
    n_pos = int(pos.sum())
    n_neg = n - n_pos
    ranks = rankdata(s, axis=1)
    return (ranks[:, pos].sum(axis=1) - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


class _NoFastPath(Exception):
    pass


# name -> (response methods it may use, vectorized score)
_FAST = {
    "accuracy": (("predict",), _fast_accuracy),
    "r2": (("predict",), _fast_r2),
    "neg_mean_squared_error": (("predict",), _fast_neg_mse),
    "neg_root_mean_squared_error": (("predict",), _fast_neg_rmse),
    "neg_mean_absolute_error": (("predict",), _fast_neg_mae),
    "neg_log_loss": (("predict_proba",), _fast_neg_log_loss),
    "roc_auc": (("decision_function", "predict_proba"), _fast_roc_auc),
}


# ----------------------------------------------------------- output metrics
def _r2_outputs(y_true: np.ndarray, outputs: np.ndarray) -> float:
    from sklearn.metrics import r2_score
    return float(r2_score(y_true, outputs[:, 0] if outputs.shape[1] == 1 else outputs))


def _accuracy_outputs(y_true: np.ndarray, outputs: np.ndarray) -> float:
    return float(np.mean(np.argmax(outputs, axis=1) == y_true))


# ---------------------------------------------------------------- context
@dataclass
class _Context:
    """Everything a chunk needs (pickled once per chunk, scattered once on dask)."""

    f: Any
    Z: np.ndarray
    y: np.ndarray
    unit_cols: tuple
    names: tuple
    seed: int
    perms: np.ndarray | None
    mode: str  # "fast", "replay", "direct" or "metric"
    scorer: Any
    methods: tuple
    fast: Any
    max_rows: int

    @property
    def n_units(self) -> int:
        return len(self.unit_cols)

    def permutation(self, t: int) -> np.ndarray:
        r, u = divmod(t, self.n_units)
        if self.perms is not None:
            return self.perms[r, u]
        return check_random_state(self.seed, r, u).permutation(self.Z.shape[0])

    def fill(self, out: np.ndarray, t: int, perm: np.ndarray, rows: slice) -> np.ndarray:
        """Write rows ``rows`` of the data, unit ``t``'s columns permuted, into ``out`` (len(rows), p)."""
        Z = self.Z
        out[...] = Z[rows]
        cols = list(self.unit_cols[t % self.n_units])
        out[:, cols] = Z[np.ix_(perm[rows], cols)]
        return out

    def score(self, t: int, call: Any) -> np.ndarray:
        """Run one scoring call for flat id ``t``; failures name the feature and repeat."""
        try:
            return _as_scores(call(), "scoring")
        except ModelError:
            raise
        except Exception as e:
            r, u = divmod(t, self.n_units)
            raise ValueError(f"scoring failed with {self.names[u]!r} permuted (repeat {r}): "
                             f"{type(e).__name__}: {e}") from e


def _respond(ctx: _Context, Zb: np.ndarray) -> tuple[dict, int]:
    """The recorded response methods on encoded rows, in batches of ``f.batch_size``."""
    model, schema = ctx.f.model, ctx.f.schema
    parts: dict[str, list] = {m: [] for m in ctx.methods}
    for s in chunk_slices(Zb.shape[0], ctx.f.batch_size):
        Xm = schema.decode(Zb[s])
        for m in ctx.methods:
            out = np.asarray(_call_model(getattr(model, m), m, model, Xm))
            if out.shape[0] != s.stop - s.start:
                raise ModelError(f"{type(model).__name__}.{m} returned {out.shape[0]} rows for "
                                 f"{s.stop - s.start} rows of input")
            parts[m].append(out)
    return {m: np.concatenate(v, axis=0) for m, v in parts.items()}, Zb.shape[0] * len(ctx.methods)


def _importance_chunk(units: slice, *, ctx: _Context) -> tuple[np.ndarray, int]:
    """Scores (m, k) of the flat (repeat, unit) ids in ``units``, and the rows evaluated."""
    n, p = ctx.Z.shape
    ids = range(units.start, units.stop)
    m = len(ids)
    perms = {t: ctx.permutation(t) for t in ids}
    model, schema, y = ctx.f.model, ctx.f.schema, ctx.y
    if ctx.mode == "direct":
        scores, evals = [], 0
        for t in ids:
            Xu = schema.decode(ctx.fill(np.empty((n, p)), t, perms[t], slice(0, n)))
            scores.append(ctx.score(t, lambda Xu=Xu: ctx.scorer(model, Xu, y)))
            evals += n
        return np.stack(scores), evals
    # stack the permuted rows of all ids, in pieces of at most max_rows model rows
    pieces = [(t, rows) for t in ids for rows in chunk_slices(n, ctx.max_rows)]
    batches: list[list] = [[]]
    size = 0
    for t, rows in pieces:
        g = rows.stop - rows.start
        if size + g > ctx.max_rows and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append((t, rows))
        size += g
    outs: list = []
    evals = 0
    for batch in batches:
        Zb = np.empty((sum(rows.stop - rows.start for _, rows in batch), p))
        if all(rows.stop - rows.start == n for _, rows in batch):  # whole permutations: one broadcast copy
            Zb.reshape(len(batch), n, p)[...] = ctx.Z
            for i, (t, _) in enumerate(batch):
                cols = ctx.unit_cols[t % ctx.n_units]
                Zb[i * n:(i + 1) * n, cols] = ctx.Z[np.ix_(perms[t], cols)]
        else:
            o = 0
            for t, rows in batch:
                g = rows.stop - rows.start
                ctx.fill(Zb[o:o + g], t, perms[t], rows)
                o += g
        if ctx.mode == "metric":
            outs.append(ctx.f(Zb))
            evals += Zb.shape[0]
        else:
            resp, e = _respond(ctx, Zb)
            outs.append(resp)
            evals += e
    if ctx.mode == "metric":
        Y = np.concatenate(outs, axis=0)
        return np.stack([ctx.score(t, lambda i=i: ctx.scorer(y, Y[i * n:(i + 1) * n]))
                         for i, t in enumerate(ids)]), evals
    resp = {k: np.concatenate([o[k] for o in outs], axis=0) for k in ctx.methods}
    if ctx.mode == "fast":
        return ctx.fast(resp, y, m).reshape(m, 1), evals
    ph = _Placeholder(n, p)
    scores = []
    for i, t in enumerate(ids):
        replay = _Replay(model, {k: v[i * n:(i + 1) * n] for k, v in resp.items()})
        scores.append(ctx.score(t, lambda replay=replay: ctx.scorer(replay, ph, y)))
    return np.stack(scores), evals


def _as_scores(value: Any, name: str) -> np.ndarray:
    if isinstance(value, Mapping):
        raise TypeError(f"{name} returned a dict; permutation_importance takes one score at a time")
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1:
        raise ValueError(f"{name} must return a number (or one number per output), got shape {arr.shape}")
    return arr


# ---------------------------------------------------------------- scoring
def _n_positional(fn: Any) -> int | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    n = 0
    for prm in sig.parameters.values():
        if prm.kind == prm.VAR_POSITIONAL:
            return None
        if prm.kind in (prm.POSITIONAL_ONLY, prm.POSITIONAL_OR_KEYWORD) and prm.default is prm.empty:
            n += 1
    return n


class _ScorerMetric:
    """An sklearn scorer applied to the outputs of a model without an sklearn API.

    For plain callables and native boosters: ``predict`` is the single output of
    a regression model, or the arg-max class position (0..k-1) of probabilities;
    ``predict_proba`` / ``decision_function`` are the probabilities (the positive
    class column for two classes). A module-level class, so it pickles.
    """

    def __init__(self, func: Any, sign: float, kwargs: dict, response: str, name: str, proba: bool):
        self.func, self.sign, self.kwargs, self.response, self.__name__ = func, sign, kwargs, response, name
        self.proba = proba

    def __call__(self, y_true: np.ndarray, outputs: np.ndarray) -> float:
        if self.response == "predict" and outputs.shape[1] > 1 and not self.proba:
            raise TypeError(f"scoring {self.__name__!r} needs one prediction per row; the model has "
                            f"{outputs.shape[1]} outputs: pass scoring=callable(y_true, outputs) instead")
        if self.response == "predict":
            pred = outputs[:, 0] if outputs.shape[1] == 1 else np.argmax(outputs, axis=1)
        else:
            pred = outputs[:, 1] if outputs.shape[1] == 2 else outputs
        return self.sign * self.func(y_true, pred, **self.kwargs)


def _scorer_as_metric(scorer: Any, f: Any, name: str) -> _ScorerMetric:
    """Turn an sklearn scorer into a metric(y_true, outputs) for a model without predict / predict_proba."""
    func = getattr(scorer, "_score_func", None)
    sign = getattr(scorer, "_sign", None)
    resp = getattr(scorer, "_response_method", None)
    if func is None or sign is None or resp is None:
        raise TypeError(f"scoring {name!r} needs an estimator with predict / predict_proba; this model is a "
                        f"{describe(f.model)}: pass scoring=callable(y_true, outputs) instead")
    resp = (resp,) if isinstance(resp, str) else tuple(resp)
    proba = f.is_classifier and f.output == "proba"
    if proba and any(r in ("predict_proba", "decision_function") for r in resp):
        chosen = "predict_proba"
    elif "predict" in resp and (proba or f.n_outputs in (-1, 1)):
        chosen = "predict"
    else:
        need = " or ".join(resp)
        raise TypeError(f"scoring {name!r} needs {need} of an estimator; this model is a {describe(f.model)} "
                        f"with {max(f.n_outputs, 0)} {f.output!r} output(s): pass scoring=callable(y_true, "
                        "outputs) instead")
    return _ScorerMetric(func, float(sign), dict(getattr(scorer, "_kwargs", {}) or {}), chosen, name, proba)


def _resolve_scoring(scoring: Any, f: Any) -> tuple[str, Any, str, Any]:
    """-> (kind, scorer, name, fast) with kind in "scorer", "direct", "metric"."""
    from sklearn.metrics import get_scorer, get_scorer_names
    from sklearn.metrics._scorer import _BaseScorer

    model = f.model
    plain = (_is_xgb_booster(model) or _is_lgb_booster(model)
             or not (hasattr(model, "predict") or hasattr(model, "predict_proba")))
    if scoring is None:
        if plain:
            if f.is_classifier and f.output == "proba":
                return "metric", _accuracy_outputs, "accuracy", None
            return "metric", _r2_outputs, "r2", None
        name = "accuracy" if f.is_classifier else "r2"
        return "scorer", get_scorer(name), name, _FAST[name]
    if isinstance(scoring, str):
        if scoring not in get_scorer_names():
            raise ValueError(f"unknown scoring {scoring!r}; use one of sklearn.metrics.get_scorer_names(), "
                             "a scorer(estimator, X, y) or a metric(y_true, outputs)")
        if plain:
            return "metric", _scorer_as_metric(get_scorer(scoring), f, scoring), scoring, None
        return "scorer", get_scorer(scoring), scoring, _FAST.get(scoring)
    if isinstance(scoring, (list, tuple, set, Mapping)):
        raise TypeError("permutation_importance takes one scoring at a time, got "
                        f"{describe(scoring)}; call it once per scoring")
    if not callable(scoring):
        raise TypeError(f"scoring must be None, a scorer name, a scorer(estimator, X, y) or a "
                        f"metric(y_true, outputs), got {describe(scoring)}")
    if isinstance(scoring, _BaseScorer):
        if plain:
            return "metric", _scorer_as_metric(scoring, f, repr(scoring)), repr(scoring), None
        return "scorer", scoring, repr(scoring), None
    name = getattr(scoring, "__name__", type(scoring).__name__)
    npos = _n_positional(scoring)
    if npos == 2:
        return "metric", scoring, name, None
    if npos == 3:
        if plain:
            raise TypeError(f"scoring {name!r} takes (estimator, X, y) but this model is a {describe(model)}; "
                            "pass scoring=callable(y_true, outputs) instead")
        return "direct", scoring, name, None
    raise TypeError(f"cannot tell how to call scoring {name!r}: a scorer takes three positional arguments "
                    "(estimator, X, y_true), a metric two (y_true, outputs)")


# ------------------------------------------------------------------ units
def _units(schema: Any, features: Any, groups: Any) -> tuple[list[str], list[tuple[int, ...]]]:
    """Names and column tuples of the features / groups to permute."""
    grp: dict[str, tuple[int, ...]] = {}
    if groups is not None:
        if not isinstance(groups, Mapping):
            raise TypeError(f"groups must be a dict {{name: [columns]}}, got {describe(groups)}")
        for gname, cols in groups.items():
            if not isinstance(gname, str):
                raise TypeError(f"group names must be strings, got {gname!r}")
            if isinstance(cols, (str, numbers.Integral)):
                cols = [cols]
            idx = schema.indices(list(cols))
            if not idx:
                raise ValueError(f"group {gname!r} is empty; list at least one column")
            if len(set(idx)) != len(idx):
                raise ValueError(f"group {gname!r} names a column twice: {list(cols)}")
            if gname in schema.names and idx != [schema.index(gname)]:
                raise ValueError(f"group name {gname!r} is also the name of a column; rename the group")
            grp[gname] = tuple(idx)
    if features is None:
        names, cols = [], []
        first = {g: min(c) for g, c in grp.items()}
        grouped = {j for c in grp.values() for j in c}
        for j in range(schema.n_features):
            for g in grp:
                if first[g] == j:
                    names.append(g)
                    cols.append(grp[g])
            if j not in grouped:
                names.append(schema.names[j])
                cols.append((j,))
        return names, cols
    items = [features] if isinstance(features, (str, numbers.Integral)) else list(features)
    if not items:
        raise ValueError("features is empty; expected at least one feature or group")
    names, cols = [], []
    for it in items:
        if isinstance(it, str) and it in grp:
            names.append(it)
            cols.append(grp[it])
        else:
            j = schema.index(it)
            names.append(schema.names[j])
            cols.append((j,))
    if len(set(names)) != len(names):
        raise ValueError(f"features lists something twice: {names}")
    return names, cols


def _check_y(y: Any, n: int) -> np.ndarray:
    if y is None:
        raise TypeError("permutation_importance needs the true targets y")
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D (n_rows,) or 2-D (n_rows, n_targets), got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows, X has {n}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("y holds NaN or infinite values; drop those rows first")
    if y.dtype.kind == "O":
        missing = np.asarray(pd.isna(y), dtype=bool)
        if missing.any():
            rows = np.nonzero(missing.reshape(y.shape[0], -1).any(axis=1))[0]
            raise ValueError(f"y has missing values (None / NaN) in {rows.size} rows, e.g. rows "
                             f"{rows[:5].tolist()}; drop those rows first")
    return y


def _max_samples(max_samples: Any, n: int) -> int:
    if max_samples is None:
        return n
    if isinstance(max_samples, (bool, np.bool_)):
        raise TypeError("max_samples must be a number of rows or a fraction in (0, 1], got bool")
    if isinstance(max_samples, numbers.Integral):
        if not 2 <= max_samples:
            raise ValueError(f"max_samples must be at least 2 rows, got {max_samples}")
        if max_samples > n:
            raise ValueError(f"max_samples is {max_samples}, but X has only {n} rows")
        return int(max_samples)
    if isinstance(max_samples, numbers.Real):
        if not 0 < float(max_samples) <= 1:
            raise ValueError(f"a fractional max_samples must be in (0, 1], got {max_samples}")
        m = int(float(max_samples) * n)
        if m < 2:
            raise ValueError(f"max_samples={max_samples} leaves {m} rows of {n}; permuting needs at least 2")
        return m
    raise TypeError(f"max_samples must be a number of rows or a fraction in (0, 1], got {describe(max_samples)}")


def _prepare(model: Any, X: Any, output: str) -> tuple[Any, np.ndarray]:
    """Like :func:`unboxed._model.prepare`, without its one-row probe call of the model.

    The scorer path never calls the model function (the scorer picks the response
    methods), and the metric path calls it on the whole data first anyway.
    """
    if isinstance(model, ModelFunction):
        return prepare(model, X, output=output, min_rows=2)
    schema = Schema.from_data(X, feature_names=default_feature_names(model, X, None))
    Z = schema.encode(X, name="X")
    if Z.shape[0] < 2:
        raise ValueError(f"X has {Z.shape[0]} row{'s' if Z.shape[0] != 1 else ''}; "
                         "permutation importance needs at least 2")
    return model_function(model, schema=schema, output=output), Z


# ------------------------------------------------------------------- API
def permutation_importance(model: Any, X: Any, y: Any, *, scoring: Any = None, n_repeats: int = 5,
                           features: Any = None, groups: Mapping | None = None, max_samples: int | float | None = None,
                           output: str = "auto", random_state: Any = None, backend: Any = None,
                           progress: bool = True) -> Importance:
    """Permutation importance: the drop in score when a feature (or group) is shuffled.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
    X : array-like or DataFrame of shape (n_rows, n_features)
        Held-out data (not modified).
    y : array-like of shape (n_rows,) or (n_rows, n_targets)
        Its true targets.
    scoring : None, str, scorer or metric, default None
        How the score is computed, recognised in this order:

        - ``None``: the estimator's default score, accuracy for classifiers and
          R² for regressors (for plain callables and native boosters: R² of
          the single output, or accuracy of the arg-max of probabilities).
        - a string: a name in ``sklearn.metrics.get_scorer_names()``
          ("roc_auc", "neg_log_loss", "r2", ...).
        - an sklearn scorer object (``get_scorer``, ``make_scorer``).
        - a callable with three positional parameters ``scorer(estimator, X,
          y)``: called on the model and each permuted copy of the data, as
          scikit-learn does (correct for anything, but one model call per
          permutation).
        - a callable with two positional parameters ``metric(y_true,
          outputs)``: a greater-is-better metric on the model function's
          outputs (``outputs`` is (n_rows, n_outputs) in the ``output``
          space). It may return one number, or one per output.
    n_repeats : int, default 5
        Shuffles per feature.
    features : list of names / positions / group names, optional
        What to report. Default: every group, and every feature not in a group.
    groups : dict, optional
        ``{name: [columns]}``: columns permuted together (the one-hot columns of
        one variable, a concept); reported under ``name``.
    max_samples : int or float, optional
        Score on a random subsample of rows (a number, or a fraction of
        ``X``), drawn once; the baseline uses the same rows.
    output : str, default "auto"
        Output space of the model function, used by ``metric(y_true, outputs)``.
    random_state : int, Generator or None
        The permutation of (repeat ``r``, feature ``j``) comes from
        ``check_random_state(seed, r, j)``: the same seed gives the same
        result on every backend and chunking.
    backend : None, "processes" or dask.distributed.Client
    progress : bool, default True

    Returns
    -------
    Importance
        ``values`` (n_features, n_scores): mean of ``baseline - permuted``;
        ``std`` (standard deviation over repeats), ``per_repeat`` (n_repeats,
        n_features, n_scores), ``baseline`` (n_scores,). ``n_scores`` is 1
        except for metrics that return one number per output.

    References
    ----------
    Breiman, L. (2001). Random forests. Machine Learning 45(1), 5-32.
    Fisher, A., Rudin, C. and Dominici, F. (2019). All models are wrong, but many
    are useful. JMLR 20(177), 1-81.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> imp = permutation_importance(Ridge().fit(X, y), X, y, n_repeats=3, random_state=0)
    >>> imp.values.shape, imp.ranking()[0]
    ((10, 1), 'bmi')
    """
    return _permutation_importance(model, X, y, scoring=scoring, n_repeats=n_repeats, features=features,
                                   groups=groups, max_samples=max_samples, output=output,
                                   random_state=random_state, backend=backend, progress=progress)


def _permutation_importance(model: Any, X: Any, y: Any, *, scoring: Any = None, n_repeats: int = 5,
                            features: Any = None, groups: Any = None, max_samples: Any = None,
                            output: str = "auto", random_state: Any = None, backend: Any = None,
                            progress: bool = True, permutations: np.ndarray | None = None) -> Importance:
    """:func:`permutation_importance`, optionally with given permutations (n_repeats, n_units, n_rows)."""
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    f, Z = _prepare(model, X, output)
    n = Z.shape[0]
    yv = _check_y(y, n)
    names, unit_cols = _units(f.schema, features, groups)
    seed = resolve_seed(random_state)
    m_rows = _max_samples(max_samples, n)
    if m_rows < n:
        rows = np.sort(check_random_state(seed).choice(n, size=m_rows, replace=False))
        Z, yv = Z[rows], yv[rows]
    if permutations is not None:
        permutations = np.asarray(permutations)
        if permutations.shape != (n_repeats, len(unit_cols), Z.shape[0]):
            raise ValueError(f"permutations must have shape {(n_repeats, len(unit_cols), Z.shape[0])}, "
                             f"got {permutations.shape}")
    kind, scorer, score_name, fast = _resolve_scoring(scoring, f)

    methods: tuple = ()
    mode = kind
    if kind == "metric":
        try:
            baseline = _as_scores(scorer(yv, f(Z)), score_name)
        except ModelError:
            raise
        except Exception as e:
            raise ValueError(f"scoring {score_name!r} failed on the unpermuted data: {e}") from e
    else:
        Xd = f.schema.decode(Z)
        target = _Recorder(f.model, Xd) if kind == "scorer" else f.model
        try:
            baseline = _as_scores(scorer(target, Xd, yv), score_name)
        except ModelError:
            raise
        except AttributeError as e:
            raise ValueError(f"scoring {score_name!r} needs a response method that "
                             f"{type(f.model).__name__} does not have: {e}") from e
        except Exception as e:
            raise ValueError(f"scoring {score_name!r} failed on the unpermuted data: {e}") from e
        if kind == "scorer":
            calls = target.calls
            methods = tuple(calls)
            mode = "replay" if methods else "direct"
            if mode == "replay" and fast is not None and set(methods) <= set(fast[0]) and yv.ndim == 1:
                try:
                    check = fast[1](calls, yv, 1)
                    if np.allclose(check, baseline, rtol=1e-9, atol=1e-12):
                        mode, fast = "fast", fast[1]
                except (_NoFastPath, TypeError, ValueError, IndexError):
                    pass
    if not np.all(np.isfinite(baseline)):
        raise ValueError(f"scoring {score_name!r} is not finite on the unpermuted data ({baseline.tolist()})")
    k = baseline.shape[0]

    max_rows = rows_per_chunk(1, Z.shape[1], max_rows=MAX_CHUNK_ROWS, max_bytes=MAX_CHUNK_BYTES)
    ctx = _Context(f=f, Z=Z, y=yv, unit_cols=tuple(unit_cols), names=tuple(names), seed=seed, perms=permutations,
                   mode=mode, scorer=scorer, methods=methods, fast=fast if mode == "fast" else None,
                   max_rows=max_rows)
    n_total = n_repeats * len(unit_cols)
    per = 1 if mode == "direct" else max(1, max_rows // Z.shape[0])
    chunks = chunk_slices(n_total, per)
    results = map_chunks(_importance_chunk, chunks, backend=backend, progress=progress,
                         desc="permutation importance", shared={"ctx": ctx})
    scores = np.concatenate([r[0] for r in results], axis=0)
    if scores.shape != (n_total, k):
        raise ValueError(f"scoring {score_name!r} returned {scores.shape[1]} numbers on permuted data but "
                         f"{k} on the unpermuted data")
    n_evals = int(sum(r[1] for r in results)) + Z.shape[0] * max(1, len(methods))
    per_repeat = baseline[None, None, :] - scores.reshape(n_repeats, len(unit_cols), k)

    if k == 1:
        out_names: tuple = (score_name,)
    elif f.output_names is not None and len(f.output_names) == k:
        out_names = tuple(f.output_names)
    else:
        out_names = tuple(f"{score_name}_{i}" for i in range(k))
    params = {"scoring": score_name, "n_repeats": n_repeats, "features": names,
              "groups": None if groups is None else {g: [f.schema.names[j] for j in c]
                                                      for g, c in zip(names, unit_cols) if g in groups},
              "max_samples": max_samples, "n_rows": int(Z.shape[0]), "mode": mode}
    return Importance(
        values=per_repeat.mean(axis=0), std=per_repeat.std(axis=0), feature_names=tuple(names),
        output_names=out_names, per_repeat=per_repeat, baseline=baseline, scoring=score_name,
        provenance=provenance("permutation_importance", f, params, random_state=seed, n_evals=n_evals,
                              backend=backend),
    )
