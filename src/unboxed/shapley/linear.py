"""Linear SHAP: the closed form for linear models and Pipelines ending in one.

A model whose explained output is ``g(x) = beta . h(x) + c``, where every
column of the transformation ``h`` depends on a single input column, is
additive in its inputs, and its interventional Shapley values are exactly

    phi_j(x) = sum_{c from input j} beta_c (h_c(x) - E_b[h_c(b)])

with the (weighted) background mean ``E_b``. For a bare linear model ``h`` is
the identity and ``phi = coef * (x - mean(background))``. For a Pipeline the
transformation is the steps before the model (scalers, imputers, one-hot
encoders, ColumnTransformers, splines, ...): which transformed columns come
from which input column is found by probing the transformation, so one-hot
columns are summed back into the variable they encode. Transformations that
mix input columns (PolynomialFeatures, PCA) are refused with a clear message.

The output is the model's linear output: ``predict`` for regressors, the
decision function (``log_odds`` for a binary logistic model) for classifiers.
Probabilities are not linear in the inputs; explain them with ExactShap or
KernelShap.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._data import n_rows_of
from .._model import model_function, provenance
from .._parallel import chunk_slices
from .._results import Attribution
from .._validation import check_choice, describe
from ._groups import resolve_players
from .background import Background, as_background

__all__ = ["LinearShap", "linear_parts"]

#: Rows of raw background data kept whole; larger data is sampled down to this many (with a warning).
MAX_BACKGROUND_ROWS = 1_000_000
#: Background rows transformed at once (memory bound).
_CHUNK_ROWS = 2**15
#: Background rows the transformation is probed on.
_PROBE_ROWS = 32

_NONLINEAR_LINK = ("PoissonRegressor", "GammaRegressor", "TweedieRegressor", "_GeneralizedLinearRegressor")


def linear_parts(model: Any) -> tuple[Any, Any] | None:
    """``(preprocessing or None, final linear estimator)`` of a linear model, else None."""
    est, pre = model, None
    steps = getattr(model, "steps", None)
    if steps is not None and hasattr(model, "__getitem__") and len(steps) >= 1:
        est = steps[-1][1]
        pre = model[:-1] if len(steps) > 1 else None
    if not hasattr(est, "coef_") or not hasattr(est, "intercept_"):
        return None
    mod = type(est).__module__
    if not (mod.startswith("sklearn.linear_model") or mod.startswith("sklearn.svm")
            or mod.startswith("sklearn.discriminant_analysis")):
        return None
    if any(c.__name__ in _NONLINEAR_LINK for c in type(est).__mro__):
        return None
    if type(est).__name__ in ("SVC", "SVR", "NuSVC", "NuSVR", "OneClassSVM"):
        if getattr(est, "kernel", None) != "linear":
            return None
    coef = np.asarray(est.coef_)
    if coef.ndim > 2 or not np.issubdtype(coef.dtype, np.number):
        return None
    return pre, est


def _linear_background(background: Any) -> Background:
    """Raw background data -> all of its rows (the closed form costs one pass over them).

    Model-agnostic estimators sample raw data down to 100 rows because each background row
    multiplies their model evaluations; Linear SHAP only needs the background mean, so every row
    is kept (up to :data:`MAX_BACKGROUND_ROWS`) and the base value and attributions are those of
    the whole data, as ``shap.LinearExplainer`` computes them.
    """
    if isinstance(background, Background) or background is None:
        return as_background(background)
    n = n_rows_of(background) if hasattr(background, "shape") else len(background)
    if n > MAX_BACKGROUND_ROWS:
        warnings.warn(f"background has {n} rows; using a sample of {MAX_BACKGROUND_ROWS} of them. Pass "
                      "Background(data, size=None) to use them all.", UserWarning, stacklevel=3)
        return Background(background, method="sample", size=MAX_BACKGROUND_ROWS, random_state=0)
    return Background(background, size=None)


def _dense(H: Any) -> np.ndarray:
    if hasattr(H, "toarray"):
        H = H.toarray()
    H = np.asarray(H, dtype=np.float64)
    return H.reshape(H.shape[0], -1)


class LinearShap:
    """Exact interventional Shapley values of linear models, in closed form.

    Parameters
    ----------
    model : sklearn linear model or Pipeline ending in one
        LinearRegression, Ridge, Lasso, LogisticRegression, SGD*, LinearSVC,
        ... (anything in ``sklearn.linear_model`` with ``coef_`` except GLMs
        with a non-identity link). A Pipeline's earlier steps may transform
        each input column separately (scaling, imputing, one-hot encoding,
        ColumnTransformer, splines).
    background : array-like, DataFrame or Background
        Rows whose (weighted) mean is the reference. Raw data is used whole
        (up to 1,000,000 rows, read in chunks): unlike the model-agnostic
        explainers, which sample raw backgrounds down to 100 rows because
        every row multiplies their cost, the closed form needs only the mean,
        so all rows give the exact reference at the cost of one pass (as
        ``shap.LinearExplainer``). Pass ``Background(data, size=100)`` for the
        old sampled reference.
    groups : dict, optional
        Group name -> list of columns; each group's value is the sum of its
        columns' values.
    output : {"auto", "predict", "decision", "raw", "log_odds"}, default="auto"
        ``auto``: ``predict`` for regressors, ``log_odds`` for binary
        classifiers with probabilities, else ``decision``. ``log_odds`` is
        the decision function of a binary logistic model.

    Attributes
    ----------
    base_value_ : ndarray (n_outputs,)
        E[g(background)].
    coef_ : ndarray (n_outputs, n_transformed)
    owner_ : ndarray (n_transformed,)
        The input column of each transformed column.

    References
    ----------
    Lundberg, S. M. and Lee, S.-I. (2017). A unified approach to interpreting
    model predictions. NeurIPS 30 (Linear SHAP).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> model = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5])
    >>> attr = LinearShap(model, X).explain(X[:2])
    >>> np.allclose(attr.values[..., 0], model.coef_ * (X[:2] - X.mean(axis=0)))
    True
    """

    _method = "linear_shap"

    def __init__(self, model: Any, background: Any, *, groups: Any = None, output: str = "auto",
                 backend: Any = None, progress: bool = True):
        self.model = model
        self.background = background
        self.groups = groups
        self.output = output
        self.backend = backend
        self.progress = progress
        check_choice(output, "output", ("auto", "predict", "decision", "raw", "log_odds", "proba"))
        parts = linear_parts(model)
        if parts is None:
            raise TypeError(f"LinearShap needs a linear model (sklearn.linear_model, LinearSVC, ...) or a "
                            f"Pipeline ending in one, got {describe(model)}; use ExactShap or KernelShap")
        pre, est = parts
        self._pre, self._est = pre, est
        is_clf = hasattr(est, "classes_")
        n_classes = len(getattr(est, "classes_", ()))
        space = output
        if output == "proba":
            raise ValueError("probabilities are not linear in the inputs, so Linear SHAP cannot explain them "
                             "exactly; use output='log_odds' / 'decision', or ExactShap / KernelShap for "
                             "probabilities")
        if output == "auto":
            space = ("log_odds" if n_classes == 2 and hasattr(model, "predict_proba") else "decision") \
                if is_clf else "predict"
        if space == "log_odds" and not (is_clf and n_classes == 2):
            raise ValueError("output='log_odds' is linear only for a binary classifier; use output='decision' "
                             "(the per-class linear scores)")
        if space == "predict" and is_clf:
            raise ValueError("predict returns class labels, which are not linear; use output='decision'")
        call = "decision" if space in ("log_odds", "decision") and is_clf else "predict"
        if space == "raw":
            call = "decision" if is_clf else "predict"
        self.output_space_ = space
        bg = _linear_background(background)
        self.background_ = bg
        f = model_function(model, bg.data, output=call)
        self.f_ = f
        Zb, w = bg.summarize(f.schema, f.schema.encode(bg.data, name="background"))
        self._Zb, self._w = np.asarray(Zb), np.asarray(w)
        self.players_ = resolve_players(f.schema, groups)
        coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        self.coef_ = coef
        # the background is reduced in chunks: a large one (all training rows) never makes a dense
        # (n_background, n_transformed) matrix at once
        hsum = ysum = None
        rmin = rmax = ymax = None
        for sl in chunk_slices(self._Zb.shape[0], _CHUNK_ROWS):
            Hc = self._transform(self._Zb[sl])
            if Hc.shape[1] != coef.shape[1]:
                raise ValueError(f"the transformation gives {Hc.shape[1]} columns, the linear model has "
                                 f"{coef.shape[1]} coefficients")
            Yc = f(self._Zb[sl])
            if Yc.shape[1] != coef.shape[0]:
                raise ValueError(f"the model has {Yc.shape[1]} outputs and {coef.shape[0]} rows of coefficients")
            wc = self._w[sl]
            hsum = wc @ Hc if hsum is None else hsum + wc @ Hc
            ysum = wc @ Yc if ysum is None else ysum + wc @ Yc
            resid = Yc - Hc @ coef.T
            cmin, cmax, cy = resid.min(axis=0), resid.max(axis=0), np.abs(Yc).max(axis=0)
            rmin = cmin if rmin is None else np.minimum(rmin, cmin)
            rmax = cmax if rmax is None else np.maximum(rmax, cmax)
            ymax = cy if ymax is None else np.maximum(ymax, cy)
        self._Hmean = hsum
        self.owner_ = self._probe(self._transform(self._Zb[:_PROBE_ROWS]))
        self.base_value_ = ysum
        spread = rmax - rmin
        scale = np.maximum(1.0, ymax)
        if np.any(spread > 1e-6 * scale):
            raise ValueError("the model's output is not coef . x + intercept on the background data "
                             f"(deviation {float(spread.max()):.3g}); LinearShap cannot explain it exactly; use "
                             "ExactShap or KernelShap")

    def _transform(self, Z: np.ndarray) -> np.ndarray:
        X = self.f_.schema.decode(Z)
        if self._pre is not None:
            X = self._pre.transform(X)
        return _dense(X)

    def _probe(self, Hb: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """The input column of every transformed column, found by changing one input at a time.

        Each input column of up to 32 background rows takes other values (shifted
        values, every category, and the values of ``extra`` rows); the transformed
        columns that change depend on it.
        """
        schema = self.f_.schema
        Zb = self._Zb[: min(_PROBE_ROWS, self._Zb.shape[0])]
        H0 = Hb[: Zb.shape[0]]
        p = schema.n_features
        d = Hb.shape[1]
        if self._pre is None:
            if d != p:
                raise ValueError(f"the data has {p} columns, the model has {d} coefficients")
            return np.arange(p)
        deps = np.zeros((p, d), dtype=bool)
        for j in range(p):
            values = _probe_values(schema, self._Zb[:, j], j, None if extra is None else extra[:, j])
            for t, vals in enumerate(values):
                Zj = np.repeat(Zb[None], len(vals), axis=0)
                Zj[:, :, j] = np.asarray(vals)[:, None] if np.ndim(vals) == 1 else vals
                try:
                    Hj = self._transform(Zj.reshape(-1, p)).reshape(len(vals), Zb.shape[0], d)
                except Exception:
                    if t == 0:
                        raise
                    continue  # a made-up value the transformation refuses (e.g. an unknown number)
                same = np.isclose(Hj, H0[None], rtol=1e-12, atol=1e-12, equal_nan=True)
                deps[j] |= ~same.all(axis=(0, 1))
        shared = np.nonzero(deps.sum(axis=0) > 1)[0]
        if shared.size:
            c = int(shared[0])
            ins = [schema.names[j] for j in np.nonzero(deps[:, c])[0][:5]]
            raise ValueError(f"the pipeline's transformation mixes input columns {ins} into one model input "
                             "(e.g. PolynomialFeatures or PCA), so the model is not additive in its inputs and "
                             "Linear SHAP would not be exact; use ExactShap or KernelShap")
        return np.where(deps.any(axis=0), np.argmax(deps, axis=0), -1)

    def explain(self, X: Any) -> Attribution:
        """Exact Shapley values of the rows of ``X``: Attribution (n_rows, n_players, n_outputs)."""
        f = self.f_
        Z = f.schema.encode(X, name="X")
        H = self._transform(Z)
        D = H - self._Hmean[None, :]
        free = self.owner_ < 0
        if free.any() and np.any(np.abs(D[:, free]) > 1e-9 * np.maximum(1.0, np.abs(H[:, free]))):
            Hb = self._transform(self._Zb[:_PROBE_ROWS])
            owner = self._probe(Hb, extra=Z[:64])  # values of these rows the background lacks
            self.owner_ = np.where(self.owner_ < 0, owner, self.owner_)
            free = self.owner_ < 0
        if free.any() and np.any(np.abs(D[:, free]) > 1e-9 * np.maximum(1.0, np.abs(H[:, free]))):
            raise ValueError("a transformed column that no single input column drives varies on these rows; "
                             "Linear SHAP cannot attribute it; use ExactShap or KernelShap")
        players = self.players_
        S = np.zeros((D.shape[1], players.n_players))
        ok = ~free
        S[np.nonzero(ok)[0], players.owner[self.owner_[ok]]] = 1.0
        phi = np.einsum("rd,kd,dj->rjk", D, self.coef_, S)
        y = f(Z)
        gap = y - self.base_value_[None, :] - phi.sum(axis=1)
        if np.any(np.abs(gap) > 1e-6 * np.maximum(1.0, np.abs(y))):
            raise ValueError(f"Linear SHAP values do not add up to the model's output (gap {np.abs(gap).max():.3g});"
                             " the model is not linear in the transformed inputs; use ExactShap or KernelShap")
        params = {"n_players": players.n_players, "groups": players.to_param(), **self.background_.params(),
                  "pipeline": self._pre is not None}
        prov = provenance(self._method, f, params, n_evals=f.n_evals, backend=None)
        import dataclasses
        prov = dataclasses.replace(prov, output=self.output_space_)
        n = Z.shape[0]
        return Attribution(values=phi, base_values=np.broadcast_to(self.base_value_, (n, phi.shape[2])),
                           feature_names=players.names, output_names=f.output_names,
                           data=players.display(f.schema, Z), stderr=None, output_space=self.output_space_,
                           provenance=prov)

    __call__ = explain

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.players_.names

    def __repr__(self) -> str:
        return f"LinearShap({type(self._est).__name__}, output={self.output_space_!r})"


def _probe_values(schema: Any, col: np.ndarray, j: int, extra: np.ndarray | None) -> list[np.ndarray]:
    """Values to give column j of the probe rows: (first) a shift of the background's own values, then
    every category (at most 64), a value off the data, and the extra rows' values."""
    own = col[:_PROBE_ROWS]
    out = [np.roll(own, 1)[None, :]]
    grid = schema.grid_values(j)
    more = []
    if grid is not None:
        more.extend(grid[:64].tolist())
    else:
        sd = np.nanstd(col)
        more.append(float(np.nanmax(col) if np.isfinite(np.nanmax(col)) else 0.0) + (sd if sd > 0 else 1.0))
    if extra is not None:
        more.extend(np.unique(extra[np.isfinite(extra)])[:64].tolist())
    if more:
        out.append(np.repeat(np.asarray(more, dtype=float)[:, None], own.shape[0], axis=1))
    return out
