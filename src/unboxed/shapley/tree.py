"""Tree SHAP: exact Shapley values for tree ensembles, path-dependent or interventional.

:class:`TreeShap` reads a fitted tree model (scikit-learn trees, forests and
gradient boosting, xgboost, lightgbm, catboost) into one flat array format and runs
compiled kernels on it:

- ``algorithm="path"`` (path-dependent, Lundberg et al. 2020): a missing
  feature is integrated out along the tree with the training covers; the base
  value is the cover-weighted mean output. Interaction values too.
- ``algorithm="interventional"``: a missing feature takes the values of
  background rows; the base value is the mean output over the background. The
  background is summarized per leaf, so time grows with rows + background rows.

Values explain the model's *raw* output (the margin of boosted models, the
prediction of regressors, the averaged probabilities of random-forest
classifiers) and add up to it exactly: ``base_values + values.sum(axis=1)``
equals ``decision_function`` / ``predict`` / ``output_margin`` / ``raw_score``
/ catboost's ``prediction_type="RawFormulaVal"`` (divided by the number of
trees for lightgbm's ``boosting="rf"``, whose ``raw_score`` sums the trees
that ``predict`` averages) on every row,
including rows that sit exactly on a split threshold.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._data import Schema
from .._model import ModelFunction, prepare
from .._parallel import chunk_slices, map_chunks
from .._results import Attribution, Provenance
from .._validation import check_choice, check_positive_int, describe
from ._trees import TreeEnsemble, parse_model, supported
from ._trees._parse import UNSUPPORTED_MESSAGE

__all__ = ["TreeShap"]

ALGORITHMS = ("auto", "path", "interventional")
OUTPUTS = ("auto", "raw", "proba", "log_odds", "decision", "predict")
#: Interaction arrays larger than this many bytes trigger a warning before they are allocated.
INTERACTION_WARN_BYTES = 2 * 2**30
_LINKS_WITH_PROBA = ("logistic",)


# ------------------------------------------------------------- chunk work
def _chunk_path(sl: slice, ens: TreeEnsemble, Xm: np.ndarray, n_jobs: int | None) -> np.ndarray:
    from ._trees._path import path_shap
    with _threads(n_jobs):
        return path_shap(ens, Xm[sl])


def _chunk_interactions(sl: slice, ens: TreeEnsemble, Xm: np.ndarray, n_jobs: int | None) -> np.ndarray:
    from ._trees._path import path_interactions
    with _threads(n_jobs):
        return path_interactions(ens, Xm[sl])


def _chunk_interventional(sl: slice, ens: TreeEnsemble, summary: Any, Xm: np.ndarray,
                          n_jobs: int | None) -> np.ndarray:
    from ._trees._interventional import interventional_shap
    with _threads(n_jobs):
        return interventional_shap(ens, summary, Xm[sl])


def _chunk_proba(sl: slice, ens: TreeEnsemble, bg_masks: np.ndarray, bg_margin: np.ndarray, bg_w: np.ndarray,
                 Xm: np.ndarray, n_jobs: int | None) -> np.ndarray:
    from ._trees._interventional import interventional_shap_pairs
    from ._trees._path import predict_raw
    with _threads(n_jobs):
        mx = predict_raw(ens, Xm[sl])
        scale = _logistic_slope(mx[:, None, :], bg_margin[None, :, :]) * bg_w[None, :, None]
        return interventional_shap_pairs(ens, bg_masks, Xm[sl], scale)


def _sigmoid(m: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * m))


def _logistic_slope(mx: np.ndarray, mr: np.ndarray) -> np.ndarray:
    """(sigma(mx) - sigma(mr)) / (mx - mr), and sigma'(mx) where the margins agree."""
    dm = mx - mr
    px, pr = _sigmoid(mx), _sigmoid(mr)
    close = np.abs(dm) < 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(close, px * (1.0 - px), (px - pr) / np.where(close, 1.0, dm))
    return s


class _threads:
    """Run a block with ``n_jobs`` numba threads (None: leave the setting alone)."""

    def __init__(self, n_jobs: int | None):
        self.n_jobs = n_jobs
        self.old: int | None = None

    def __enter__(self) -> None:
        if self.n_jobs is not None:
            import numba
            self.old = numba.get_num_threads()
            numba.set_num_threads(max(1, min(int(self.n_jobs), numba.config.NUMBA_NUM_THREADS)))

    def __exit__(self, *exc: Any) -> None:
        if self.old is not None:
            import numba
            numba.set_num_threads(self.old)


def _schema_key(schema: Schema) -> tuple:
    return (schema.container, tuple((c.name, c.kind, c.encoding, c.categories) for c in schema.columns))


class TreeShap:
    """Exact Shapley values of tree ensembles (Tree SHAP).

    Parameters
    ----------
    model : fitted tree model
        scikit-learn ``DecisionTree*``, ``ExtraTree*``, ``RandomForest*``,
        ``ExtraTrees*``, ``GradientBoosting*``, ``HistGradientBoosting*``;
        xgboost ``Booster`` or sklearn-API model; lightgbm ``Booster`` or
        sklearn-API model; catboost ``CatBoost`` / ``CatBoostClassifier`` /
        ``CatBoostRegressor`` with numeric features only (categorical, text or
        embedding features raise a ``TypeError``: explain those models with
        KernelShap / ExactShap). Regressors, binary and multi-class
        classifiers, missing values and native categorical splits are supported.
    background : array-like, DataFrame or Background, optional
        Rows that stand for "feature missing" in the interventional algorithm
        (all rows are used: the cost grows linearly with their number). A
        :class:`~unboxed.shapley.background.Background` brings its own rows and
        weights.
    algorithm : {"auto", "path", "interventional"}, default="auto"
        ``auto``: interventional when a background is given, else path-dependent.
    output : {"auto", "raw", "proba", "log_odds", "decision", "predict"}, default="auto"
        ``auto`` / ``raw`` / ``decision``: the model's raw, additive output (one
        output named after the positive class for binary boosted classifiers,
        one per class for multi-class models and for random-forest classifiers,
        whose raw output *is* the averaged class probabilities). ``log_odds``:
        the raw margin of logistic models. ``predict``: the prediction of
        regressors with an identity link. ``proba``: class probabilities;
        for boosted (logistic) classifiers this needs the interventional
        algorithm, and each (row, background row) pair is rescaled by
        ``(sigma(m_x) - sigma(m_r)) / (m_x - m_r)`` (Lundberg et al. 2020).
    backend : None, "processes" or dask.distributed.Client
        Where the row chunks run (the kernels are multi-threaded themselves).
    progress : bool, default=True
        Show a progress bar over row chunks.
    n_jobs : int, optional
        Threads for the compiled kernels (default: numba's setting, see
        ``numba.set_num_threads``).
    chunk_rows : int, optional
        Rows per chunk (default: 4096, fewer for interaction values).
    check_additivity : bool, default=True
        Compare the trees' sum with the model's own raw prediction on every
        explained row and raise if they disagree (one extra model call).

    Attributes
    ----------
    ensemble_ : TreeEnsemble
        The parsed trees (after the first :meth:`explain`, or at construction
        when a background is given).

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations
    to global understanding with explainable AI for trees. Nature Machine
    Intelligence 2, 56-67.
    Yu, P., Xu, C., Bifet, A. and Read, J. (2022). Linear TreeShap. NeurIPS 35.
    Yang, J. (2021). Fast TreeSHAP: accelerating SHAP value computation for
    trees. arXiv:2109.09847.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    >>> attr = TreeShap(model).explain(X[:5])
    >>> attr.values.shape
    (5, 10, 1)
    >>> bool(abs(attr.total[:, 0] - model.predict(X[:5])).max() < 1e-6)
    True
    """

    def __init__(self, model: Any, background: Any = None, *, algorithm: str = "auto", output: str = "auto",
                 backend: Any = None, progress: bool = True, n_jobs: int | None = None,
                 chunk_rows: int | None = None, check_additivity: bool = True):
        check_choice(algorithm, "algorithm", ALGORITHMS)
        check_choice(output, "output", OUTPUTS)
        self._mf = model if isinstance(model, ModelFunction) else None
        self.model = model.model if isinstance(model, ModelFunction) else model
        if not supported(self.model):
            from ._trees._parse import _family, _is_fitted, unsupported_reason
            fam = _family(self.model)
            if fam is not None and not _is_fitted(self.model, fam):
                raise ValueError(f"this {type(self.model).__name__} is not fitted yet; call fit before explaining it")
            why = unsupported_reason(self.model)
            if why is not None:
                raise TypeError(why)
            raise TypeError(f"{UNSUPPORTED_MESSAGE}; got {describe(self.model)}. For other models use "
                            "unboxed.explain, KernelShap or PermutationShap")
        if n_jobs is not None:
            n_jobs = check_positive_int(n_jobs, "n_jobs")
        if chunk_rows is not None:
            chunk_rows = check_positive_int(chunk_rows, "chunk_rows")
        self.background = background
        self.algorithm = algorithm
        self.output = output
        self.backend = backend
        self.progress = progress
        self.n_jobs = n_jobs
        self.chunk_rows = chunk_rows
        self.check_additivity = bool(check_additivity)
        self._algorithm = ("interventional" if background is not None else "path") if algorithm == "auto" \
            else algorithm
        if self._algorithm == "interventional" and background is None:
            raise ValueError("algorithm='interventional' needs a background: pass background=rows that stand "
                             "for a missing feature (e.g. a sample of the training data)")
        self._cache: dict = {}
        self._bg = None
        if background is not None and self._algorithm == "interventional":
            self._set_background(background)

    # -------------------------------------------------------------- setup
    @staticmethod
    def supports(model: Any) -> bool:
        """Whether TreeShap can explain ``model`` (a fitted tree model of a supported family)."""
        try:
            return bool(supported(model))
        except Exception:
            return False

    def _set_background(self, background: Any) -> None:
        is_bg_obj = type(background).__name__ == "Background" and hasattr(background, "summarize")
        data = background.data if is_bg_obj else background
        if self._mf is not None:
            schema = self._mf.schema
            Zb = schema.encode(data, name="background")
        else:
            # checks the background against the model (columns, names, order) and builds the schema
            f, Zb = prepare(self.model, data, name="background", output=self._mf_output())
            schema = f.schema
        if is_bg_obj:
            Zb, wb = background.summarize(schema)
            Zb, wb = np.asarray(Zb, dtype=np.float64), np.asarray(wb, dtype=np.float64)
            self._bg_params = background.params() if hasattr(background, "params") else {}
        else:
            wb = np.full(Zb.shape[0], 1.0 / max(1, Zb.shape[0]))
            self._bg_params = {}
        if Zb.shape[0] == 0:
            raise ValueError("background has no rows; expected at least one")
        self._schema = schema
        self._bg = (Zb, wb)

    def _mf_output(self) -> str:
        """The ModelFunction output that gives the model's raw prediction."""
        if type(self.model).__module__.split(".")[0] in ("xgboost", "lightgbm", "catboost"):
            return "raw"
        if hasattr(self.model, "classes_"):
            return "decision" if hasattr(self.model, "decision_function") else "proba"
        return "raw"

    def _ensemble(self, schema: Schema) -> TreeEnsemble:
        key = _schema_key(schema)
        ens = self._cache.get(key)
        if ens is None:
            ens = parse_model(self.model, schema)
            self._cache = {key: ens}
        self.ensemble_ = ens
        return ens

    def _resolve_output(self, ens: TreeEnsemble) -> tuple[str, str]:
        """(what to compute: "raw" or "proba", the output space to report)."""
        out = self.output
        raw_space = "proba" if ens.raw_is_proba else ("log_odds" if ens.link == "logistic" else "raw")
        if out in ("auto", "raw", "decision"):
            return "raw", raw_space
        if out == "predict":
            if ens.link == "identity" and not ens.raw_is_proba and not _is_classifier(self.model, ens):
                return "raw", "raw"
            raise ValueError(f"output='predict' is not additive over the trees of this {ens.kind} (its prediction "
                             f"is a non-linear function of the raw output); use output='raw'")
        if out == "log_odds":
            if ens.link == "logistic":
                return "raw", "log_odds"
            if ens.raw_is_proba:
                raise ValueError(f"the raw output of {ens.kind} is the averaged class probability, and its log-odds "
                                 "is not a sum over trees; use output='proba' (= 'raw') for exact Tree SHAP values")
            if ens.link == "softmax":
                raise ValueError(f"this multi-class {ens.kind} has softmax margins, not per-class log-odds; use "
                                 "output='raw' to explain the margins")
            raise ValueError(f"this {ens.kind} model gives no probabilities, so there are no log-odds to explain; "
                             "use output='raw'")
        # proba
        if ens.raw_is_proba:
            return "raw", "proba"
        if ens.link in _LINKS_WITH_PROBA:
            if self._algorithm != "interventional":
                raise ValueError(
                    "output='proba' needs algorithm='interventional' and a background for this "
                    f"{ens.kind}: its probability is a non-linear function (the logistic) of the sum over trees, "
                    "so path-dependent Tree SHAP, which works tree by tree, cannot explain it exactly. "
                    "Pass background=... (values are rescaled per background row), or use output='raw' to "
                    "explain the log-odds")
            return "proba", "proba"
        if ens.link == "softmax":
            raise ValueError(f"output='proba' is not supported for multi-class {ens.kind} models with softmax "
                             "outputs: the per-row rescaling is not additive across classes; use output='raw'")
        raise ValueError(f"this {ens.kind} model gives no probabilities; use output='raw'")

    # ------------------------------------------------------------ explain
    def explain(self, X: Any, *, interactions: bool = False) -> Attribution:
        """Shapley values of the rows ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            Rows to explain, in the form the model was fitted on. Not modified.
        interactions : bool, default=False
            Also compute Shapley interaction values (path-dependent only), filling
            ``Attribution.interactions`` of shape (n_rows, n_features, n_features,
            n_outputs); summed over the last feature axis they give ``values``.

        Returns
        -------
        Attribution
            ``values`` (n_rows, n_features, n_outputs), ``base_values``
            (n_rows, n_outputs), ``stderr`` None (exact values).
        """
        if interactions and self._algorithm == "interventional":
            raise ValueError("interaction values are computed with the path-dependent algorithm only; use "
                             "TreeShap(model, algorithm='path') for interactions=True")
        mf_out = self._mf_output()
        if self._mf is not None:
            f, Z = prepare(self._mf, X)
        elif self._bg is not None:
            f, Z = prepare(self.model, X, schema=self._schema, output=mf_out)
        else:
            f, Z = prepare(self.model, X, output=mf_out)
        ens = self._ensemble(f.schema)
        what, space = self._resolve_output(ens)
        Xm = ens.input_map(Z)
        n, p, k = Z.shape[0], ens.n_players, ens.n_outputs
        from ._trees._path import predict_raw
        own = predict_raw(ens, Xm)
        if self.check_additivity:
            self._check(f, Z, own, ens)
        shared = {"ens": ens, "Xm": Xm, "n_jobs": self.n_jobs}
        default_rows = 4096
        inter = None
        if self._algorithm == "path":
            base = np.broadcast_to(ens.expected_value(), (n, k))
            values = self._run(_chunk_path, n, default_rows, shared, "TreeShap")
            if interactions:
                nbytes = n * p * p * k * 8
                if nbytes > INTERACTION_WARN_BYTES:
                    warnings.warn(f"interaction values for {n} rows, {p} features and {k} outputs take "
                                  f"{nbytes / 2**30:.1f} GiB (twice that while the result is built); explain "
                                  "fewer rows at a time to use less memory", ResourceWarning, stacklevel=2)
                rows = max(1, min(default_rows, (256 * 2**20) // max(1, p * p * k * 8)))
                inter = self._run(_chunk_interactions, n, rows, shared, "TreeShap interactions")
        else:
            Zb, wb = self._bg
            Bm = ens.input_map(Zb)
            bg_raw = predict_raw(ens, Bm)
            if what == "raw":
                summary = self._summary(ens, Bm, wb)
                base = np.broadcast_to(wb @ bg_raw, (n, k))
                values = self._run(_chunk_interventional, n, default_rows, {**shared, "summary": summary},
                                   "TreeShap")
            else:
                from ._trees._interventional import background_masks
                bg_masks = background_masks(ens, Bm)
                m = Zb.shape[0]
                rows = max(1, min(default_rows, (128 * 2**20) // max(1, m * k * 8)))
                values = self._run(_chunk_proba, n, rows, {**shared, "bg_masks": bg_masks, "bg_margin": bg_raw,
                                                           "bg_w": wb}, "TreeShap")
                base = np.broadcast_to(wb @ _sigmoid(bg_raw), (n, k))
        names = ens.output_names
        if what == "proba" and k == 1:
            values = np.concatenate([-values, values], axis=2)
            base = np.concatenate([1.0 - base, base], axis=1)
            classes = getattr(self.model, "classes_", None)
            names = tuple(str(c) for c in classes) if classes is not None and len(classes) == 2 else ("0", "1")
        prov = Provenance(
            method="tree_shap",
            params={"algorithm": self._algorithm, "output": self.output, "model_family": ens.kind,
                    "n_trees": ens.n_trees, "n_background": None if self._bg is None else int(self._bg[0].shape[0]),
                    **getattr(self, "_bg_params", {})},
            random_state=None, n_evals=f.n_evals, model=type(self.model).__name__, output=space,
            backend=_backend_name(self.backend))
        return Attribution(values=values, base_values=base, feature_names=f.schema.names, output_names=names,
                           data=f.schema.display_values(Z), interactions=inter, output_space=space,
                           provenance=prov)

    __call__ = explain

    def _summary(self, ens: TreeEnsemble, Bm: np.ndarray, wb: np.ndarray):
        key = ("summary", id(ens))
        s = getattr(self, "_summary_cache", None)
        if s is not None and s[0] == key:
            return s[1]
        from ._trees._interventional import Summary, background_masks
        with _threads(self.n_jobs):
            summary = Summary(ens, background_masks(ens, Bm), weights=wb)
        self._summary_cache = (key, summary)
        return summary

    def _run(self, fn: Any, n: int, rows: int, shared: dict, desc: str) -> np.ndarray:
        size = self.chunk_rows or rows
        parts = map_chunks(fn, chunk_slices(n, size), backend=self.backend, progress=self.progress, desc=desc,
                           shared=shared)
        return np.concatenate(parts, axis=0)

    def _check(self, f: ModelFunction, Z: np.ndarray, own: np.ndarray, ens: TreeEnsemble) -> None:
        """The trees' sum must equal the model's own raw prediction on every row."""
        if f.output != self._mf_output():  # a ModelFunction built for another output space
            from .._model import model_function
            g = model_function(self.model, schema=f.schema, output=self._mf_output())
            ref = g(Z)
            f.n_evals += g.n_evals
        else:
            ref = f(Z)
        mine = own * ens.model_raw_scale
        if ref.shape != mine.shape:
            raise RuntimeError(f"Tree SHAP read {mine.shape[1]} outputs from this {ens.kind} model, but it "
                               f"predicts {ref.shape[1]}; please report this model")
        scale = 1.0 + np.abs(ref).max()
        float32_lib = ens.kind == "xgboost"
        tol = (1e-5 if float32_lib else 1e-7) * scale
        err = np.abs(ref - mine)
        if err.max() > tol:
            i = int(np.argmax(err.max(axis=1)))
            raise RuntimeError(f"Tree SHAP's reading of this {ens.kind} model differs from the model's own raw "
                               f"prediction by {err.max():.3g} (row {i}); the values would not add up. Please "
                               "report this model; pass check_additivity=False to skip this check")


def _is_classifier(model: Any, ens: TreeEnsemble) -> bool:
    classes = getattr(model, "classes_", None)
    if classes is not None and type(model).__module__.split(".")[0] == "catboost":
        return len(classes) > 0 or ens.link in ("logistic", "softmax")  # CatBoostRegressor has classes_ = []
    return classes is not None or ens.link in ("logistic", "softmax")


def _backend_name(backend: Any) -> str:
    from .._parallel import backend_name
    return backend_name(backend)
