"""The computations behind each section of the report.

Every function takes the :class:`Context` (the model, the data, the sample, the
output explained) and returns plain Python data (numbers, strings, result
objects); nothing here renders. The model is reached only through
:class:`~unboxed.ModelFunction` objects that share one schema, built from all of
the data, so every method encodes the data the same way.
"""

from __future__ import annotations

import copy
import numbers
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from .._data import Schema, is_dataframe
from .._model import ModelFunction, _is_lgb_booster, _is_xgb_booster, model_function
from .._validation import describe
from ._format import fmt_value

__all__ = ["Context", "make_context", "overview", "encode_target", "permutation", "effects", "surrogate",
           "choose_rows", "versions", "output_phrase", "Metric"]


# ---------------------------------------------------------------- context
@dataclass
class Context:
    """Everything the sections share."""

    model: Any
    X: Any
    y: np.ndarray | None
    schema: Schema
    f: ModelFunction
    Z: np.ndarray
    P: np.ndarray                      # model outputs on all rows (n, k)
    sample_idx: np.ndarray             # rows used by the global methods
    seed: int
    backend: Any
    progress: bool
    focus: int | None                  # output index the global charts show (None: regression / 1 output)
    y_index: np.ndarray | None = None  # classification: y as indices into output_names
    notes: list = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.Z.shape[0]

    @property
    def output_names(self) -> tuple:
        return tuple(self.f.output_names)

    @property
    def is_classifier(self) -> bool:
        return bool(self.f.is_classifier) and self.f.output in ("proba", "decision", "log_odds", "raw")

    @property
    def class_names(self) -> tuple:
        """Names of the classes of a classifier: its outputs, or (negative, positive) for one score column."""
        names = self.output_names
        if len(names) > 1:
            return names
        classes = getattr(self.f.model, "classes_", None)
        if classes is not None and len(classes) == 2 and _label(classes[1]) == str(names[0]):
            return (_label(classes[0]), str(names[0]))
        return (f"not {names[0]}", str(names[0]))

    def predicted_class(self) -> np.ndarray:
        """Index into :attr:`class_names` of each row's predicted class (classifiers)."""
        if self.P.shape[1] > 1:
            return np.argmax(self.P, axis=1)
        threshold = 0.5 if self.f.output == "proba" else 0.0  # a probability, or a decision score / log-odds
        return (self.P[:, 0] > threshold).astype(np.int64)

    def mf(self) -> ModelFunction:
        """The model function with its own count of model evaluations (same schema, output and names).

        A copy rather than a new :func:`~unboxed.model_function`: that would probe the model
        again, and one call of a large ensemble costs as much for one row as for thousands.
        """
        f = copy.copy(self.f)
        f.n_evals = 0
        return f

    def sample(self) -> Any:
        return take(self.X, self.sample_idx)


def take(X: Any, rows: np.ndarray) -> Any:
    """Rows of numpy, pandas or polars data, by position."""
    rows = np.asarray(rows, dtype=np.intp)
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows]
    if is_dataframe(X):  # polars
        return X[rows.tolist()]
    return np.asarray(X)[rows]


def _n_rows(X: Any) -> int:
    if X is None:
        raise TypeError("X is None; expected a 2-D array or DataFrame of rows")
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    if len(shape) != 2:
        raise ValueError(f"X must be 2-D (n_rows, n_features), got shape {tuple(shape)}")
    return int(shape[0])


def make_context(model: Any, X: Any, y: Any, *, sample: int, random_state: int, backend: Any, progress: bool,
                 focus: Any) -> Context:
    """Check the inputs, wrap the model, evaluate it once on every row, draw the sample."""
    if isinstance(X, pd.Series):
        raise ValueError("X is a pandas Series; pass a 2-D table (a DataFrame)")
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    n = _n_rows(X)
    if n == 0:
        raise ValueError("X has no rows; the report needs at least 2 rows of data")
    if n < 2:
        raise ValueError(f"X has {n} row; the report needs at least 2 rows (global methods compare rows)")
    output = "auto"
    if isinstance(model, ModelFunction):
        schema, output, model = model.schema, model.output, model.model
    else:
        schema = Schema.from_data(X)
    f = model_function(model, X, schema=schema, output=output)
    if f.is_classifier and f.output == "predict":
        raise TypeError(f"{type(model).__name__} is a classifier without predict_proba or decision_function; "
                        "the report needs class scores to explain")
    Z = schema.encode(X, name="X")
    P = f(Z)
    rng = np.random.default_rng(random_state)
    if n > sample:
        idx = np.sort(rng.choice(n, size=sample, replace=False))
    else:
        idx = np.arange(n)
    ctx = Context(model=model, X=X, y=None, schema=schema, f=f, Z=Z, P=P, sample_idx=idx, seed=random_state,
                  backend=backend, progress=progress, focus=None)
    if y is not None:
        ctx.y = _check_y(y, n)
        if ctx.is_classifier:
            ctx.y_index, note = encode_target(ctx.y, f)
            if note:
                ctx.notes.append(note)
    ctx.focus = _resolve_focus(ctx, focus)
    return ctx


def _check_y(y: Any, n: int) -> np.ndarray:
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y must be one column, got a DataFrame with {y.shape[1]} columns")
        y = y.iloc[:, 0]
    arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (n_rows,), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"y has {arr.shape[0]} rows, X has {n}")
    if pd.isna(arr).any():
        bad = np.nonzero(pd.isna(arr))[0][:5].tolist()
        raise ValueError(f"y has missing values (rows {bad}); drop those rows first")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError("y holds infinite values")
    return arr


def _label(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        f = float(v)
        if f == int(f):
            return str(int(f))
    if isinstance(v, np.generic):
        v = v.item()
    return str(v)


def encode_target(y: np.ndarray, f: ModelFunction) -> tuple[np.ndarray, str]:
    """Class labels -> indices into the model's outputs (classes).

    A native booster has no class labels: its outputs are ``0 .. k-1``. When the
    target holds exactly ``k`` other labels, their sorted order is used (what
    ``LabelEncoder`` and the sklearn wrappers do) and a note says so.
    """
    names = [str(c) for c in f.output_names]
    k = len(names)
    if f.output != "proba" and k == 1:  # binary decision / log-odds: one column for the positive class
        classes = getattr(f.model, "classes_", None)
        names = [str(c) for c in classes] if classes is not None and len(classes) == 2 else ["0", names[0]]
    labels = np.array([_label(v) for v in y.tolist()], dtype=object)
    lookup = {c: i for i, c in enumerate(names)}
    idx = np.fromiter((lookup.get(v, -1) for v in labels), dtype=np.int64, count=labels.size)
    if (idx >= 0).all():
        return idx, ""
    uniq = sorted(set(labels.tolist()))
    native = (_is_xgb_booster(f.model) or _is_lgb_booster(f.model) or _is_xgb_sklearn(f.model)
              or getattr(f.model, "classes_", None) is None)
    if native and len(uniq) <= len(names) and set(names) == {str(i) for i in range(len(names))}:
        try:
            uniq = sorted(set(y.tolist()))
        except TypeError:
            pass
        m = {_label(u): i for i, u in enumerate(uniq)}
        return np.array([m[v] for v in labels], dtype=np.int64), (
            f"the model has no class labels; the target's sorted values {[_label(u) for u in uniq][:10]} are "
            f"taken as its classes {list(range(len(uniq)))}")
    unknown = sorted({v for v, i in zip(labels.tolist(), idx.tolist()) if i < 0})
    raise ValueError(f"the target holds labels {unknown[:10]} that are not classes of the model "
                     f"{names[:10]}; the model and the data disagree")


def _is_xgb_sklearn(model: Any) -> bool:
    """An xgboost sklearn classifier (or a Pipeline ending in one): its classes are always ``0 .. k-1``.

    xgboost needs label-encoded targets, so a model loaded from ``.json`` / ``.ubj`` (or trained on
    encoded labels) knows no other class names, while the data usually holds the original labels.
    """
    steps = getattr(model, "steps", None)
    if steps:
        model = steps[-1][1]
    return type(model).__module__.split(".")[0] == "xgboost" and hasattr(model, "predict_proba")


def _resolve_focus(ctx: Context, focus: Any) -> int | None:
    names = list(ctx.output_names)
    if focus is not None:
        key = _label(focus)
        if key in names:
            return names.index(key)
        if isinstance(focus, numbers.Integral) and not isinstance(focus, bool) and -len(names) <= focus < len(names):
            return int(focus) % len(names)
        raise ValueError(f"focus {focus!r} is not an output of the model; the outputs are {names[:20]}")
    k = len(names)
    if k == 1:
        return 0
    if ctx.is_classifier and k == 2:
        return 1
    if ctx.is_classifier:  # multi-class: the class predicted most often
        counts = np.bincount(np.argmax(ctx.P, axis=1), minlength=k)
        return int(np.argmax(counts))
    return 0


def output_phrase(space: str, output: str, is_classifier: bool) -> str:
    """What a contribution moves, in words: ``the probability of 'bad'``, ``the prediction``."""
    if not is_classifier:
        return "the prediction" if output in ("prediction", "") else f"the prediction of {output!r}"
    if space == "proba":
        return f"the probability of {output!r}"
    if space == "log_odds":
        return f"the log-odds of {output!r}"
    return f"the model's score for {output!r}"


# --------------------------------------------------------------- overview
def _model_description(model: Any) -> dict:
    steps = getattr(model, "steps", None)
    final = model
    if steps:
        final = steps[-1][1]
        desc = "Pipeline(" + " → ".join(type(s).__name__ for _, s in steps) + ")"
    else:
        desc = type(model).__name__
    mod = type(final).__module__.split(".")[0]
    dist = {"sklearn": "scikit-learn"}.get(mod, mod)
    try:
        ver = metadata.version(dist)
    except metadata.PackageNotFoundError:
        ver = getattr(sys.modules.get(mod), "__version__", "")
    return {"type": desc, "library": dist, "library_version": ver}


def _feature_rows(ctx: Context) -> list[dict]:
    rows = []
    Z = ctx.Z
    for j, col in enumerate(ctx.schema.columns):
        z = Z[:, j]
        miss = float(np.isnan(z).mean())
        if col.encoding == "codes" or col.kind == "categorical":
            grid = ctx.schema.grid_values(j)
            finite = z[~np.isnan(z)]
            if grid is not None and finite.size:
                vals, counts = np.unique(finite, return_counts=True)
                top = vals[np.argmax(counts)]
                label = ctx.schema.labels(j, np.array([top]))[0]
                summary = (f"{len(grid)} values; most common: {fmt_value(label)} "
                           f"({counts.max() / z.size:.0%})")
            else:
                summary = f"{0 if grid is None else len(grid)} values"
        else:
            finite = z[~np.isnan(z)]
            summary = ("no values" if finite.size == 0 else
                       f"{fmt_value(np.min(finite))} to {fmt_value(np.max(finite))}, median "
                       f"{fmt_value(np.median(finite))}")
        rows.append({"name": col.name, "kind": col.kind, "missing": f"{miss:.1%}" if miss else "",
                     "summary": summary})
    return rows


def _performance(ctx: Context) -> list[tuple[str, Any]]:
    """(name, value) pairs: numbers, and one text entry with the class shares."""
    from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error, r2_score, roc_auc_score,
                                 root_mean_squared_error)
    if ctx.y is None:
        return []
    P, out = ctx.P, ctx.f.output
    res: list[tuple[str, Any]] = []
    if ctx.is_classifier:
        yi = ctx.y_index
        k = P.shape[1]
        pred = ctx.predicted_class()
        if k == 1:  # binary, one score column
            score = P[:, 0]
            n_cls = 2
        else:
            score = P
            n_cls = k
        res.append(("accuracy", float(accuracy_score(yi, pred))))
        present = np.unique(yi)
        if n_cls == 2 and present.size == 2:
            s = score if score.ndim == 1 else score[:, 1]
            res.append(("ROC AUC", float(roc_auc_score(yi, s))))
        elif n_cls > 2 and present.size == n_cls and out == "proba":
            res.append(("ROC AUC (one-vs-rest, macro)",
                        float(roc_auc_score(yi, P / P.sum(axis=1, keepdims=True), multi_class="ovr"))))
        if out == "proba" and k > 1:
            Pc = np.clip(P, 1e-15, 1)  # float32 models (xgboost) sum to 1 only up to ~1e-7
            res.append(("log loss", float(log_loss(yi, Pc / Pc.sum(axis=1, keepdims=True), labels=np.arange(k)))))
        share = np.bincount(yi, minlength=n_cls) / yi.size
        names = ctx.class_names
        res.append(("class shares", ", ".join(f"{nm}: {s:.1%}" for nm, s in zip(names, share))))
        return res
    y = ctx.y
    try:
        yv = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"the target holds non-numeric values such as {y[:3].tolist()}, but the model is a "
                         "regressor; the model and the data disagree") from None
    pred = P[:, ctx.focus or 0]
    if np.unique(yv).size > 1:
        res.append(("R²", float(r2_score(yv, pred))))
    res.append(("MAE", float(mean_absolute_error(yv, pred))))
    res.append(("RMSE", float(root_mean_squared_error(yv, pred))))
    return res


def overview(ctx: Context) -> dict:
    """The model and the data at a glance."""
    kinds = ctx.schema.kinds
    return {
        "model": _model_description(ctx.model),
        "output": ctx.f.output,
        "output_names": list(ctx.output_names),
        "is_classifier": ctx.is_classifier,
        "n_rows": ctx.n,
        "n_sample": int(ctx.sample_idx.size),
        "n_features": len(kinds),
        "n_numeric": sum(k == "numeric" for k in kinds),
        "n_categorical": sum(k == "categorical" for k in kinds),
        "features": _feature_rows(ctx),
        "performance": _performance(ctx),
    }


# ----------------------------------------------------- permutation importance
class Metric:
    """A greater-is-better score of model outputs against class indices or numbers (picklable)."""

    def __init__(self, kind: str, column: int = 0):
        self.kind = kind
        self.column = column
        self.__name__ = kind

    def __call__(self, y_true: np.ndarray, outputs: np.ndarray) -> float:
        from sklearn.metrics import accuracy_score, log_loss, r2_score, roc_auc_score
        if self.kind == "roc_auc":
            s = outputs[:, self.column]
            return float(roc_auc_score(y_true, s))
        if self.kind == "neg_log_loss":
            P = np.clip(outputs, 1e-15, 1.0)
            return -float(log_loss(y_true, P / P.sum(axis=1, keepdims=True), labels=np.arange(outputs.shape[1])))
        if self.kind == "accuracy":
            pred = np.argmax(outputs, axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0).astype(int)
            return float(accuracy_score(y_true, pred))
        return float(r2_score(y_true, outputs[:, self.column]))


def choose_metric(ctx: Context) -> tuple[Metric, np.ndarray]:
    """The score permutation importance measures, and the target it compares with (on the sample)."""
    idx = ctx.sample_idx
    out = ctx.f.output
    if ctx.is_classifier:
        yi = ctx.y_index[idx]
        k = ctx.P.shape[1]
        both = np.unique(yi).size == 2
        if k == 1 and both:
            return Metric("roc_auc", 0), yi
        if k == 2 and both:
            return Metric("roc_auc", 1), yi
        if out == "proba" and k > 2:
            return Metric("neg_log_loss"), yi
        return Metric("accuracy"), yi
    yv = ctx.y[idx].astype(np.float64)
    if np.unique(yv).size < 2:
        raise ValueError("the target is constant on the sample; R² (and permutation importance) is undefined")
    return Metric("r2", ctx.focus or 0), yv


def permutation(ctx: Context, n_repeats: int) -> Any:
    """Permutation importance on the sample (None without a target)."""
    from ..effects.importance import permutation_importance
    if ctx.y is None:
        return None
    if not ctx.is_classifier and np.unique(ctx.y[ctx.sample_idx].astype(np.float64)).size < 2:
        ctx.notes.append("the target is constant on the rows the global methods use, so R² and permutation "
                         "importance are undefined; features are ranked by mean |SHAP| instead")
        return None
    metric, target = choose_metric(ctx)
    return permutation_importance(ctx.mf(), ctx.sample(), target, scoring=metric, n_repeats=n_repeats,
                                  random_state=ctx.seed, backend=ctx.backend, progress=ctx.progress)


# ------------------------------------------------------------- PDP and ALE
def effects(ctx: Context, features: list[str], grid_resolution: int = 30) -> tuple[Any, dict, dict]:
    """PDP with ICE and ALE of ``features`` on the sample: (pdp Effects, {name: ALE Effect}, {name: reason})."""
    from ..effects.ale import accumulated_local_effects
    from ..effects.pdp import partial_dependence
    Xs = ctx.sample()
    pdp = partial_dependence(ctx.mf(), Xs, list(features), kind="both", grid_resolution=grid_resolution,
                             backend=ctx.backend, progress=ctx.progress)
    ale: dict = {}
    failed: dict = {}
    try:
        res = accumulated_local_effects(ctx.mf(), Xs, list(features), n_bootstrap=50, random_state=ctx.seed,
                                        backend=ctx.backend, progress=ctx.progress)
        ale = {e.features[0]: e for e in res}
    except ValueError:
        for name in features:  # find the features ALE cannot handle, keep the others
            try:
                res = accumulated_local_effects(ctx.mf(), Xs, [name], n_bootstrap=50, random_state=ctx.seed,
                                                backend=ctx.backend, progress=ctx.progress)
                ale[name] = res[0]
            except ValueError as e:
                failed[name] = str(e)
    return pdp, ale, failed


# ---------------------------------------------------------------- surrogate
def surrogate(ctx: Context, max_depth: int = 3) -> Any:
    """A rule-list global surrogate fitted on the sample; its :class:`Surrogate` result."""
    from ..effects.surrogate import GlobalSurrogate
    target = None
    if not ctx.is_classifier and ctx.f.n_outputs > 1:
        target = ctx.focus
    sur = GlobalSurrogate(ctx.mf(), kind="rules", max_depth=max_depth, target=target, random_state=ctx.seed)
    sur.fit(ctx.sample())
    return sur.result()


# --------------------------------------------------------------------- rows
def choose_rows(ctx: Context, rows: Any) -> list[int]:
    """Positions of the rows to explain: the given ones, or the highest, median and lowest prediction."""
    n = ctx.n
    if rows is None:
        score = ctx.P[:, ctx.focus or 0] if ctx.P.shape[1] > 1 or ctx.focus is not None else ctx.P[:, 0]
        order = np.argsort(score, kind="stable")
        picks = [int(order[-1]), int(order[len(order) // 2]), int(order[0])]
        return list(dict.fromkeys(picks))
    if isinstance(rows, (numbers.Integral, np.integer)) and not isinstance(rows, bool):
        rows = [rows]
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a list of row positions, got {describe(rows)}")
    out: list[int] = []
    for r in rows:
        if isinstance(r, (bool, np.bool_)) or not isinstance(r, (numbers.Integral, np.integer)):
            raise TypeError(f"rows must be integer positions, got {r!r}")
        if not 0 <= int(r) < n:
            raise ValueError(f"row {int(r)} is out of range: X has {n} rows (positions 0 to {n - 1})")
        if int(r) not in out:
            out.append(int(r))
    if not out:
        raise ValueError("rows is empty; give at least one row position, or None for a default choice")
    if len(out) > 1000:
        raise ValueError(f"{len(out)} rows to explain; the report shows at most 1000")
    return out


# ----------------------------------------------------------------- versions
def versions(model: Any) -> list[tuple[str, str]]:
    """Versions of the software behind the report."""
    from .. import __version__
    names = ["numpy", "scipy", "pandas", "scikit-learn", "plotly", "jinja2"]
    lib = _model_description(model)["library"]
    for extra in (lib, "xgboost", "lightgbm"):
        if extra not in names and extra in ("xgboost", "lightgbm", lib) and (extra == lib or extra in sys.modules):
            names.append(extra)
    out = [("unboxed", __version__), ("python", platform.python_version())]
    for nm in names:
        try:
            out.append((nm, metadata.version(nm)))
        except metadata.PackageNotFoundError:
            continue
    return out
