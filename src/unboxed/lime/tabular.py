"""LIME for tables: local surrogate models around rows (Ribeiro et al., 2016).

:class:`LimeTabular` follows the tabular design of the ``lime`` package: it
perturbs the row from training statistics, weights the samples with an
exponential kernel on their distance to the row in an interpretable space,
selects features and fits a weighted ridge regression whose coefficients are
the explanation. Unlike ``lime`` it explains all rows of a chunk in one model
call and solves all local fits in batched linear algebra, and it explains
every output of a classifier (selecting features per output, as ``lime`` does
per label).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._model import ModelFunction, prepare, provenance
from .._parallel import check_backend, chunk_slices, map_chunks, rows_per_chunk
from .._results import Attribution
from .._validation import check_choice, check_positive_int, describe, resolve_seed
from ._sampling import CATEGORICAL, SAMPLINGS, Workspace, build_design, row_levels, sample_rows
from ._select import _ALIASES, SELECTIONS, local_fit, resolve_selection

__all__ = ["LimeTabular"]

MODES = ("auto", "classification", "regression")


def _plain_callable(model: Any) -> bool:
    """A function rather than an estimator (it gives whatever it gives)."""
    if isinstance(model, ModelFunction):
        model = model.model
    return callable(model) and not hasattr(model, "predict") and not hasattr(model, "predict_proba")


def _weights(dist2: np.ndarray, kernel: Callable | None, kernel_width: float) -> np.ndarray:
    """Kernel weights (n, S) of the squared distances of the samples to their row."""
    if kernel is None:
        return np.exp(dist2 * (-0.5 / (kernel_width * kernel_width)))  # = sqrt(exp(-d² / width²))
    d = np.sqrt(dist2)
    w = np.asarray(kernel(d, kernel_width), dtype=np.float64)
    if w.shape != d.shape:
        raise ValueError(f"kernel(d, kernel_width) must return weights of the shape of d {d.shape}, "
                         f"got {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("kernel(d, kernel_width) must return finite, non-negative weights")
    if not (w.sum(axis=1) > 0).all():
        raise ValueError("kernel(d, kernel_width) gave every sample of a row weight 0")
    return w


def _explain_chunk(sl: slice, *, f, Z, levels, design, cfg) -> tuple[dict, int]:
    """Sample, evaluate and fit the rows of one chunk (module level for pickling)."""
    rows = np.arange(sl.start, sl.stop)
    S = cfg["num_samples"]
    samples, rep, dist2 = sample_rows(design, Z[sl], levels[sl], rows, S, cfg["seed"], reuse=True)
    n, _, p = samples.shape
    Y = f(samples.reshape(n * S, p)).reshape(n, S, -1)
    del samples
    w = _weights(dist2, cfg["kernel"], cfg["kernel_width"])
    out = local_fit(rep, Y, w, num_features=cfg["num_features"], method=cfg["selection"], alpha=cfg["alpha"])
    out["model_pred"] = Y[:, 0, :].copy()
    return out, n * S


class LimeTabular:
    """LIME explanations of rows of a table.

    For each row, ``num_samples`` perturbed samples (the first is the row
    itself) are drawn from training statistics, evaluated by the model in one
    batched call per chunk of rows, and weighted by the kernel
    ``sqrt(exp(-d² / kernel_width²))`` of their Euclidean distance ``d`` to
    the row in the interpretable space. A weighted ridge regression on the
    selected interpretable features is the explanation.

    The interpretable space is lime's: with ``discretize=True`` feature ``j``
    is 1 when the sample falls in the same bin (continuous) or category
    (categorical) as the row and 0 otherwise; with ``discretize=False`` a
    continuous feature is its standardized value ``(x - mean) / std`` and a
    categorical one stays binary.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
        The model to explain.
    training_data : array-like or DataFrame of shape (m, p)
        Data in the form the model takes; all training statistics (bins,
        means, standard deviations, category frequencies) come from it, once.
    mode : {"auto", "classification", "regression"}, default "auto"
        ``classification`` explains class probabilities (the model needs
        ``predict_proba``); ``regression`` explains ``predict``; ``auto``
        lets ``output`` decide.
    sampling : {"quartile", "decile", "entropy", "normal"}, default "quartile"
        How continuous features are perturbed. ``quartile`` / ``decile`` /
        ``entropy``: draw a bin from its training frequency, then a value from
        the normal with the bin's training mean and standard deviation,
        truncated to the bin (lime's ``discretize_continuous=True``;
        ``entropy`` bins by a depth-3 tree on ``training_labels``).
        ``normal``: draw from the normal with the training mean and standard
        deviation (lime's ``discretize_continuous=False``). Categorical
        features are always drawn from their training frequencies.
    discretize : bool, default True
        Binary interpretable features for continuous features (bins of
        ``sampling``, or quartiles when ``sampling="normal"``). False: the
        standardized value. lime's ``discretize_continuous=False`` is
        ``sampling="normal", discretize=False``.
    sample_around_instance : bool, default False
        With ``sampling="normal"``: centre the normal on the row rather than
        on the training mean (as lime's option of that name).
    kernel_width : float, optional
        Default ``0.75 * sqrt(p)``, as lime.
    kernel : callable, optional
        ``kernel(d, kernel_width) -> weights`` of the distances ``d`` (an array
        of shape (n_rows, num_samples)); default lime's exponential kernel.
    num_samples : int, default 5000
        Samples per row, the row itself included.
    num_features : int, default 10
        Features kept per row and output (ignored by ``feature_selection="none"``).
    feature_selection : {"auto", "forward", "lasso", "highest_weights", "none"}, default "auto"
        As lime's (``forward_selection`` and ``lasso_path`` are accepted too);
        ``auto`` is ``forward`` for ``num_features <= 6``, else ``highest_weights``.
    alpha : float, default 1.0
        Ridge penalty of the local model (lime's ``Ridge(alpha=1)``), on the
        kernel-weighted sum of squares.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default "auto"
        The model output explained (see :func:`unboxed.model_function`).
    categorical_features : "auto", None or list of names / positions, default "auto"
        Which columns are categorical (see :meth:`unboxed.Schema.from_data`):
        strings, pandas categories, bools and integer columns with at most 10
        distinct values by default.
    feature_names : sequence of str, optional
        Names of numpy columns.
    training_labels : array-like of shape (m,), optional
        Labels of the training rows; needed by ``sampling="entropy"``.
    random_state : int, Generator or None, default None
        Row ``r`` of ``X`` draws its samples from a stream keyed by
        ``(seed, r)``, so every backend gives the same answer.
    backend : None, "processes", "dask" or dask.distributed.Client
    progress : bool, default True

    Attributes
    ----------
    model_function_ : ModelFunction
    schema_ : Schema
    design_ : Design
        The training statistics of the sampling design.
    kernel_width_ : float
    feature_names_in_ : ndarray of str
    local_pred_ : ndarray (n_rows, n_outputs)
        Set by :meth:`explain`: the local model's prediction at each explained
        row (lime's ``local_pred``). With ``discretize=True`` it equals
        ``attribution.total`` (the row is all ones in the interpretable space).
    model_pred_ : ndarray (n_rows, n_outputs)
        Set by :meth:`explain`: the model's output at each explained row.

    Notes
    -----
    With the same samples, the weights, intercepts, scores and local
    predictions equal ``lime``'s to rounding (``lime.lime_tabular`` with
    ``labels`` = all classes). Where they differ by design:

    * a bin holding a single training value is sampled as that value (``lime``
      returns its z-score, 0);
    * a constant feature stays constant under ``sampling="normal"`` (``lime``
      perturbs it with standard deviation 1);
    * a missing value (NaN) in the training data is one more bin or category
      with its training frequency (``lime`` cannot take NaN);
    * a category of a row that the training data never shows is an error.

    Sampling draws, for every feature of every sample, one uniform number that
    chooses the bin (or category) by its training frequency and, by its
    position inside that bin's share, the value of the truncated normal by
    inverse CDF (Acklam's approximation, relative error below 1.2e-9). Row
    ``r`` of ``X`` draws from a stream keyed by ``(seed, r)``: the same row at
    another position gets other samples.

    References
    ----------
    .. [1] Ribeiro, M. T., Singh, S. and Guestrin, C. (2016). "Why should I trust
       you?": Explaining the predictions of any classifier. KDD 2016, 1135-1144.
    .. [2] Garreau, D. and von Luxburg, U. (2020). Explaining the explainer: a
       first theoretical analysis of LIME. AISTATS 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from unboxed.lime import LimeTabular
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> model = RandomForestClassifier(50, random_state=0).fit(X, y)
    >>> lime = LimeTabular(model, X, num_samples=1000, num_features=5, random_state=0, progress=False)
    >>> attr = lime.explain(X.iloc[:3])
    >>> attr.values.shape, attr.local_score.shape
    ((3, 30, 2), (3, 2))
    >>> int((attr.values[0, :, 1] != 0).sum())
    5
    """

    def __init__(self, model: Any, training_data: Any, *, mode: str = "auto", sampling: str = "quartile",
                 discretize: bool = True, sample_around_instance: bool = False,
                 kernel_width: float | None = None, kernel: Callable | None = None, num_samples: int = 5000,
                 num_features: int = 10, feature_selection: str = "auto", alpha: float = 1.0,
                 output: str = "auto", categorical_features: Any = "auto",
                 feature_names: Sequence[str] | None = None, training_labels: Any = None,
                 random_state: Any = None, backend: Any = None, progress: bool = True):
        self.model = model
        self.training_data = training_data
        self.mode = mode
        self.sampling = sampling
        self.discretize = discretize
        self.sample_around_instance = sample_around_instance
        self.kernel_width = kernel_width
        self.kernel = kernel
        self.num_samples = num_samples
        self.num_features = num_features
        self.feature_selection = feature_selection
        self.alpha = alpha
        self.output = output
        self.categorical_features = categorical_features
        self.feature_names = feature_names
        self.training_labels = training_labels
        self.random_state = random_state
        self.backend = backend
        self.progress = progress
        self._fit()

    # ------------------------------------------------------------ set up
    def _check_params(self) -> None:
        check_choice(self.mode, "mode", MODES)
        check_choice(self.sampling, "sampling", SAMPLINGS)
        check_choice(self.feature_selection, "feature_selection", SELECTIONS + tuple(_ALIASES))
        if not isinstance(self.discretize, (bool, np.bool_)):
            raise TypeError(f"discretize must be True or False, got {describe(self.discretize)}")
        if not isinstance(self.sample_around_instance, (bool, np.bool_)):
            raise TypeError(f"sample_around_instance must be True or False, got "
                            f"{describe(self.sample_around_instance)}")
        check_positive_int(self.num_samples, "num_samples", minimum=2)
        check_positive_int(self.num_features, "num_features")
        if isinstance(self.alpha, (bool, np.bool_)) or not isinstance(self.alpha, numbers.Real) \
                or not math.isfinite(self.alpha) or self.alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0, got {self.alpha!r}")
        kw = self.kernel_width
        if kw is not None and (isinstance(kw, (bool, np.bool_)) or not isinstance(kw, numbers.Real)
                               or not math.isfinite(kw) or kw <= 0):
            raise ValueError(f"kernel_width must be a positive finite number or None, got {kw!r}")
        if self.kernel is not None and not callable(self.kernel):
            raise TypeError(f"kernel must be a callable kernel(d, kernel_width) or None, got "
                            f"{describe(self.kernel)}")
        check_backend(self.backend)

    def _resolved_output(self) -> str:
        """The output to ask the model adapter for, given ``mode``."""
        if self.output != "auto" or self.mode == "auto":
            return self.output
        if isinstance(self.model, ModelFunction) or _plain_callable(self.model):
            return "auto"  # the adapter (or the callable itself) decides
        return "proba" if self.mode == "classification" else "predict"

    def _fit(self) -> None:
        self._check_params()
        f, Ztr = prepare(self.model, self.training_data, name="training_data", output=self._resolved_output(),
                         feature_names=self.feature_names, categorical_features=self.categorical_features,
                         min_rows=2)
        if self.mode == "classification" and f.output not in ("proba", "log_odds") \
                and not _plain_callable(self.model):
            raise ValueError(f"mode='classification' explains class probabilities, but the model gives "
                             f"output {f.output!r}; use mode='regression' or a model with predict_proba")
        if self.mode == "regression" and f.output == "proba":
            raise ValueError("mode='regression' explains a prediction, but output='proba' asks for class "
                             "probabilities; use mode='classification'")
        schema = f.schema
        labels = None
        if self.training_labels is not None:
            labels = np.asarray(self.training_labels)
            if labels.ndim != 1:
                raise ValueError(f"training_labels must be 1-D, got shape {labels.shape}")
        design = build_design(Ztr, schema.categorical_mask, schema.names, sampling=self.sampling,
                              discretize=bool(self.discretize),
                              sample_around_instance=bool(self.sample_around_instance), training_labels=labels)
        p = schema.n_features
        self.model_function_ = f
        self.schema_ = schema
        self.design_ = design
        self.kernel_width_ = float(self.kernel_width) if self.kernel_width is not None else 0.75 * math.sqrt(p)
        self.feature_names_in_ = np.asarray(schema.names, dtype=object)
        self.n_features_in_ = p

    # ------------------------------------------------------------ explain
    def explain(self, X: Any) -> Attribution:
        """Explain rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, p)
            Rows in the form of the training data.

        Returns
        -------
        Attribution
            ``values`` (n_rows, p, n_outputs): the local model's weights of the
            selected interpretable features (0 for the others); ``base_values``
            (n_rows, n_outputs): its intercept; ``local_score`` (n_rows,
            n_outputs): its kernel-weighted R² on the samples (lime's
            ``score``); ``stderr`` (n_rows, p, n_outputs): Monte-Carlo standard
            errors of the weights given the selected features (sandwich
            covariance of the weighted ridge; 0 for features not selected);
            ``data``: the rows. ``provenance.params`` records the
            sampling design, kernel width, selection method and num_features.
            The local model's prediction at each row is in :attr:`local_pred_`.
        """
        f = self.model_function_
        schema = self.schema_
        Z = schema.encode(X, name="X")
        levels = row_levels(self.design_, Z, schema.names)
        seed = resolve_seed(self.random_state)
        selection = resolve_selection(self.feature_selection, int(self.num_features))
        S = int(self.num_samples)
        n, p = Z.shape
        cfg = {"num_samples": S, "seed": seed, "kernel": self.kernel, "kernel_width": self.kernel_width_,
               "num_features": int(self.num_features), "selection": selection, "alpha": float(self.alpha)}
        # chunks of at most 16 MiB of samples: the model sees each chunk in one call, and
        # buffers of this size are recycled by the allocator instead of paged in afresh
        size = rows_per_chunk(S, p, max_rows=2**17, max_bytes=16 * 2**20)
        chunks = chunk_slices(n, size)
        try:
            results = map_chunks(_explain_chunk, chunks, backend=self.backend, progress=self.progress,
                                 desc="LIME", shared={"f": f, "Z": Z, "levels": levels, "design": self.design_,
                                                      "cfg": cfg})
        finally:
            Workspace.clear()
        n_evals = int(sum(r[1] for r in results))
        parts = {key: np.concatenate([r[0][key] for r in results], axis=0) for key in results[0][0]}
        self.local_pred_ = parts["local_pred"]
        self.model_pred_ = parts["model_pred"]
        params = self._params(selection)
        return Attribution(
            values=parts["coef"], base_values=parts["intercept"], feature_names=schema.names,
            output_names=f.output_names, data=schema.display_values(Z), local_score=parts["score"],
            stderr=parts["stderr"],
            output_space=f.output,
            provenance=provenance("lime_tabular", f, params, random_state=seed, n_evals=n_evals,
                                  backend=self.backend))

    __call__ = explain

    def _params(self, selection: str) -> dict:
        d = self.design_
        cats = [n for n, k in zip(self.schema_.names, d.kind) if k == CATEGORICAL]
        return {
            "mode": self.mode, "sampling": self.sampling, "discretize": bool(self.discretize),
            "sample_around_instance": bool(self.sample_around_instance),
            "kernel": "exponential" if self.kernel is None else getattr(self.kernel, "__name__", "custom"),
            "kernel_width": self.kernel_width_, "num_samples": int(self.num_samples),
            "num_features": int(self.num_features), "feature_selection": self.feature_selection,
            "selection_used": selection, "alpha": float(self.alpha), "categorical_features": tuple(cats),
        }

    # ------------------------------------------------------------ reading
    def interpretable_features(self, X: Any) -> np.ndarray:
        """The interpretable feature of each row, in words: object array (n_rows, p).

        With discretization, e.g. ``"30.00 < age <= 45.00"`` or ``"purpose = car"``
        (the condition a sample must meet to count as 1); without it the feature
        name for continuous features.
        """
        schema, d = self.schema_, self.design_
        Z = schema.encode(X, name="X")
        levels = row_levels(d, Z, schema.names)
        shown = schema.display_values(Z)
        out = np.empty(Z.shape, dtype=object)
        for j, name in enumerate(schema.names):
            for i in range(Z.shape[0]):
                if d.kind[j] == CATEGORICAL:
                    v = shown[i, j]
                    if v is None:
                        out[i, j] = f"{name} is missing"
                        continue
                    if isinstance(v, float) and v.is_integer():
                        v = int(v)
                    out[i, j] = f"{name} = {v}"
                elif not d.binary[j]:
                    out[i, j] = name
                else:
                    e = d.edges[j]
                    b = int(levels[i, j])
                    if b > e.size:
                        out[i, j] = f"{name} is missing"
                    elif b == 0:
                        out[i, j] = f"{name} <= {e[0]:.2f}"
                    elif b == e.size:
                        out[i, j] = f"{name} > {e[-1]:.2f}"
                    else:
                        out[i, j] = f"{e[b - 1]:.2f} < {name} <= {e[b]:.2f}"
        return out

    def __repr__(self) -> str:
        return (f"LimeTabular({type(self.model_function_.model).__name__}, sampling={self.sampling!r}, "
                f"discretize={self.discretize}, num_samples={self.num_samples}, "
                f"num_features={self.num_features}, feature_selection={self.feature_selection!r})")
