"""One adapter from any model to a batched function of encoded data.

:func:`model_function` turns an sklearn estimator or Pipeline, an xgboost or
lightgbm model (sklearn API or native Booster) or any callable into a
:class:`ModelFunction`: ``f(Z) -> ndarray (n_rows, n_outputs)`` where ``Z`` is the
float64 encoding of :class:`~unboxed._data.Schema`. The function decodes ``Z``
into exactly what the model was trained on, calls the model in memory-bounded
batches, checks what comes back, and counts the rows it evaluated. Methods never
call ``model.predict`` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._data import Schema, as_schema
from ._validation import ModelError, check_choice, describe, model_error

__all__ = ["ModelFunction", "model_function", "prepare", "provenance", "OUTPUTS"]

#: Output spaces a model can be explained in.
OUTPUTS = ("auto", "proba", "log_odds", "decision", "raw", "predict")

#: Upper bound on the bytes of one encoded input batch (the model's own
#: working memory comes on top); rows per batch follow from it.
DEFAULT_BATCH_BYTES = 64 * 2**20
MAX_BATCH_ROWS = 2**17
_EPS = 1e-15


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _is_xgb_booster(model: Any) -> bool:
    return _module_of(model) == "xgboost" and type(model).__name__ == "Booster"


def _is_lgb_booster(model: Any) -> bool:
    return _module_of(model) == "lightgbm" and type(model).__name__ == "Booster"


def _is_classifier(model: Any) -> bool:
    try:
        from sklearn.base import is_classifier
        if is_classifier(model):
            return True
    except Exception:  # pragma: no cover - exotic objects
        pass
    return hasattr(model, "classes_") and hasattr(model, "predict_proba")


def _final_step(model: Any) -> tuple[list, Any]:
    """The transforming steps of (nested) Pipelines and the final estimator."""
    steps: list = []
    m = model
    while type(m).__name__ == "Pipeline" and hasattr(m, "steps") and m.steps:
        steps.extend(est for _, est in m.steps[:-1] if est not in (None, "passthrough"))
        m = m.steps[-1][1]
    return steps, m


def _has_margin(est: Any) -> bool:
    """Whether a classifier without decision_function still has a raw margin (boosted trees)."""
    return _module_of(est) in ("xgboost", "lightgbm", "catboost")


def _inverse_link(est: Any) -> Any:
    """The link function g of a fitted sklearn regressor with predict = g^-1(raw), or None for identity."""
    for attr in ("_loss", "_base_loss"):
        link = getattr(getattr(est, attr, None), "link", None)
        if link is not None and callable(getattr(link, "link", None)) and type(link).__name__ != "IdentityLink":
            return link.link
    return None


def _raw_predict(model: Any, Xm: Any) -> Any:
    """Raw (margin / link-scale) output: decision function, booster margin, or g(predict)."""
    steps, est = _final_step(model)
    for step in steps:
        Xm = step.transform(Xm)
    mod = _module_of(est)
    if mod == "xgboost":
        return est.predict(Xm, output_margin=True)
    if mod == "lightgbm":
        return est.predict(Xm, raw_score=True)
    if mod == "catboost":
        return est.predict(Xm, prediction_type="RawFormulaVal")
    if hasattr(est, "decision_function"):
        return est.decision_function(Xm)
    y = est.predict(Xm)
    link = _inverse_link(est)
    if link is not None:
        y = link(np.asarray(y, dtype=np.float64))
    return y


def default_feature_names(model: Any, X: Any, feature_names: Sequence[str] | None) -> Sequence[str] | None:
    """``feature_names``, or for unnamed (numpy) data the names the model was fitted with.

    A model fitted on a DataFrame and handed a numpy array of the same width reads
    the columns by position, so they get the model's names (``feature_names_in_``)
    rather than ``x0, x1, ...``.
    """
    if feature_names is not None or X is None:
        return feature_names
    from ._data import is_dataframe
    if is_dataframe(X) or isinstance(X, pd.Series):
        return None
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return None
    try:
        shape = np.shape(X)
    except Exception:  # pragma: no cover - ragged input fails later with a clear message
        return None
    if len(shape) == 2 and shape[1] == len(names):
        return [str(n) for n in names]
    return None


def _xgb_objective(booster: Any) -> str:
    import json
    try:
        cfg = json.loads(booster.save_config())
        return cfg["learner"]["objective"]["name"]
    except Exception:  # pragma: no cover
        return ""


def _lgb_objective(booster: Any) -> str:
    try:
        return str(booster.params.get("objective", "")) or str(booster.dump_model().get("objective", ""))
    except Exception:  # pragma: no cover
        return ""


class ModelFunction:
    """A model seen as a batched function of encoded rows.

    Do not build this directly; use :func:`model_function`.

    Attributes
    ----------
    model : object
        The wrapped model, untouched.
    schema : Schema
        How encoded rows map to the model's input.
    output : str
        The resolved output space: ``proba``, ``log_odds``, ``decision``,
        ``raw`` or ``predict``.
    output_names : tuple of str
    n_outputs : int
    is_classifier : bool
    n_evals : int
        Rows evaluated so far (the probe row is not counted).
    batch_size : int
        Rows per model call.
    """

    def __init__(self, model: Any, schema: Schema, output: str, output_names: Sequence[str] | None,
                 batch_size: int | None, probe: np.ndarray | None):
        self.model = model
        self.schema = schema
        self.n_evals = 0
        self.is_classifier = _is_classifier(model)
        self._kind = self._detect_kind()
        self.output = self._resolve_output(output)
        p = max(1, schema.n_features)
        auto_rows = max(256, min(MAX_BATCH_ROWS, DEFAULT_BATCH_BYTES // (8 * p)))
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
                raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size) if batch_size is not None else auto_rows
        self._check_against_model()
        # numpy data for a model fitted on a DataFrame goes to it as a frame with the model's
        # column names (as the model was trained), so it neither warns nor reads by position
        names = getattr(model, "feature_names_in_", None)
        self._frame_columns = None
        if names is not None and schema.container == "numpy" and \
                [str(n) for n in names] == list(schema.names):
            self._frame_columns = list(names)
        self._names = None if output_names is None else tuple(str(n) for n in output_names)
        self.n_outputs = -1
        if probe is not None and probe.shape[0] > 0:
            out = self._evaluate(probe[:1], count=False)
            self.n_outputs = out.shape[1]
            if self._names is not None and len(self._names) != self.n_outputs:
                raise ValueError(f"output_names has {len(self._names)} names, the model has {self.n_outputs} outputs")
        self.output_names = self._names
        if self.output_names is None and self.n_outputs > 0:
            self.output_names = self._default_names(self.n_outputs)

    # ----------------------------------------------------------- dispatch
    def _detect_kind(self) -> str:
        m = self.model
        if _is_xgb_booster(m):
            return "xgb_booster"
        if _is_lgb_booster(m):
            return "lgb_booster"
        if hasattr(m, "predict") or hasattr(m, "predict_proba"):
            return "estimator"
        if callable(m):
            return "callable"
        raise TypeError(f"the model must be an estimator with predict / predict_proba, an xgboost or lightgbm "
                        f"model, or a callable f(X) -> predictions; got {describe(m)}")

    def _resolve_output(self, output: str) -> str:
        check_choice(output, "output", OUTPUTS)
        m, kind = self.model, self._kind
        name = type(m).__name__
        if kind == "callable":
            if output not in ("auto", "predict", "raw"):
                raise ValueError(f"a plain callable has no {output!r} output; use output='auto' and return "
                                 f"the values you want explained")
            return "predict"
        if kind in ("xgb_booster", "lgb_booster"):
            obj = _xgb_objective(m) if kind == "xgb_booster" else _lgb_objective(m)
            prob = any(s in obj for s in ("logistic", "softprob", "softmax", "binary", "multiclass",
                                          "cross_entropy", "xentropy"))
            self.is_classifier = prob
            if output == "auto":
                return "proba" if prob else "raw"
            if output in ("proba", "log_odds") and not prob:
                raise ValueError(f"this {name} has objective {obj!r}, which gives no probabilities; "
                                 "use output='raw'")
            if output == "decision":
                return "raw"
            return output
        has_proba = hasattr(m, "predict_proba")
        has_dec = hasattr(m, "decision_function")
        if output == "auto":
            if self.is_classifier and has_proba:
                return "proba"
            if self.is_classifier and has_dec:
                return "decision"
            return "predict"
        if output in ("proba", "log_odds") and not has_proba:
            alt = "'decision'" if has_dec else "'predict'"
            raise ValueError(f"{name} has no predict_proba, so output={output!r} is not available; "
                             f"use output={alt}")
        if output == "decision" and not has_dec:
            raise ValueError(f"{name} has no decision_function; use output='proba' or 'predict'")
        if output == "raw" and self.is_classifier and not has_dec and not _has_margin(_final_step(m)[1]):
            # no margin to explain (random forest, k-NN, ...): their raw output is the probability
            if has_proba:
                return "proba"
            output = "predict"
        if output == "predict" and self.is_classifier:
            classes = np.asarray(getattr(m, "classes_", []))
            if classes.dtype.kind not in "biuf":
                raise ValueError(f"{name}.predict returns class labels {classes.tolist()[:5]}, which are not "
                                 "numbers to explain; use output='proba', 'log_odds' or 'decision'")
        return output

    def _check_against_model(self) -> None:
        m, schema = self.model, self.schema
        names = getattr(m, "feature_names_in_", None)
        n_in = getattr(m, "n_features_in_", None)
        if isinstance(n_in, (int, np.integer)) and n_in != schema.n_features and not (names is not None
                                                                                      and schema.named):
            raise ValueError(f"the data has {schema.n_features} columns, the model expects {int(n_in)}")
        if names is not None and schema.named:
            expected = [str(n) for n in names]
            given = list(schema.names)
            if type(m).__module__.split(".")[0] == "lightgbm" and given != expected:
                # lightgbm stores the names it was fitted with, whitespace replaced by "_"
                given = [re.sub(r"\s", "_", n) for n in given]
            if given != expected:
                missing = [n for n in expected if n not in given]
                extra = [n for n in given if n not in expected]
                if missing or extra:
                    raise ValueError(f"the data's columns differ from those the model was fitted on; "
                                     f"missing: {missing[:10]}, unexpected: {extra[:10]}")
                raise ValueError(f"the data's columns are in another order than the model's; expected "
                                 f"{expected[:20]}")

    # --------------------------------------------------------------- calls
    def _raw_call(self, Xm: Any) -> np.ndarray:
        m, kind, out = self.model, self._kind, self.output
        if kind == "callable":
            return m(Xm)
        if kind == "xgb_booster":
            import xgboost as xgb
            margin = out in ("raw", "log_odds")
            try:
                return m.inplace_predict(Xm, predict_type="margin" if margin else "value")
            except (TypeError, ValueError, xgb.core.XGBoostError):
                dm = xgb.DMatrix(Xm, enable_categorical=True)
                return m.predict(dm, output_margin=margin)
        if kind == "lgb_booster":
            return m.predict(Xm, raw_score=out in ("raw", "log_odds"))
        if out in ("proba", "log_odds"):
            return m.predict_proba(Xm)
        if out == "decision":
            return m.decision_function(Xm)
        if out == "raw":
            return _raw_predict(m, Xm)
        return m.predict(Xm)

    def _postprocess(self, y: Any, n: int) -> np.ndarray:
        if hasattr(y, "detach"):  # torch tensors
            y = y.detach().cpu().numpy()
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ModelError(f"the model returned {y.dtype} values such as {y.ravel()[:3].tolist()}, "
                                 "not numbers; ask for another output (e.g. output='proba')") from None
        y = y.astype(np.float64, copy=False)
        if y.ndim == 1:
            y = y[:, None]
        elif y.ndim > 2:
            y = y.reshape(y.shape[0], -1)
        if y.shape[0] != n:
            raise ModelError(f"the model returned {y.shape[0]} rows of output for {n} rows of input")
        if self.output == "log_odds":
            p = np.clip(y, _EPS, 1 - _EPS)
            if self._kind in ("xgb_booster", "lgb_booster"):
                pass  # already margins
            elif p.shape[1] == 2:
                y = np.log(p[:, 1:]) - np.log(p[:, :1])
            else:
                y = np.log(p) - np.log1p(-p)
        elif self.output == "decision" and y.shape[1] == 1:
            pass
        elif self.output == "proba" and self._kind in ("xgb_booster", "lgb_booster") and y.shape[1] == 1:
            y = np.hstack([1.0 - y, y])
        if not np.all(np.isfinite(y)):
            bad = np.nonzero(~np.isfinite(y).all(axis=1))[0]
            raise ModelError(f"the model returned non-finite values (NaN or inf) for {bad.size} of {n} rows, "
                             f"e.g. rows {bad[:5].tolist()} of the batch; explanations need finite outputs")
        return y

    def _evaluate(self, Z: np.ndarray, count: bool = True) -> np.ndarray:
        Xm = self.schema.decode(Z)
        if self._frame_columns is not None:
            Xm = pd.DataFrame(Xm, columns=self._frame_columns, copy=False)
        try:
            y = self._raw_call(Xm)
        except ModelError:
            raise
        except Exception as e:
            hint = ""
            if np.isnan(Z).any():
                cols = [self.schema.names[j] for j in np.nonzero(np.isnan(Z).any(axis=0))[0][:5]]
                hint = f" The data has missing values in {cols}; this model may not accept NaN."
            raise model_error(f"the model ({type(self.model).__name__}) raised {type(e).__name__} on a batch of "
                              f"{Z.shape[0]} rows: {e}.{hint}",
                              bad_input=bool(hint) and isinstance(e, (ValueError, TypeError))) from e
        out = self._postprocess(y, Z.shape[0])
        if count:
            self.n_evals += Z.shape[0]
        return out

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        """Evaluate encoded rows ``Z`` (n, n_features) -> (n, n_outputs), in batches."""
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.schema.n_features:
            raise ValueError(f"expected encoded rows of shape (n, {self.schema.n_features}), got {Z.shape}")
        n = Z.shape[0]
        if n == 0:
            return np.empty((0, max(self.n_outputs, 0)))
        bs = self.batch_size
        if n <= bs:
            out = self._evaluate(Z)
        else:
            parts = [self._evaluate(Z[s:s + bs]) for s in range(0, n, bs)]
            out = np.concatenate(parts, axis=0)
        if self.n_outputs < 0:
            self.n_outputs = out.shape[1]
        if self.output_names is None:
            self.output_names = self._default_names(out.shape[1])
        return out

    def with_schema(self, schema: Schema) -> ModelFunction:
        """A copy that decodes with ``schema`` (e.g. one that knows more categories), same model and output."""
        import copy

        g = copy.copy(self)
        g.schema = schema
        return g

    def predict(self, X: Any) -> np.ndarray:
        """Evaluate user data (encoded with the schema first)."""
        return self(self.schema.encode(X))

    @property
    def ovo_pairs(self) -> list[tuple[int, int]] | None:
        """Class pairs ``(i, j)`` of the columns of a one-vs-one decision function, else None.

        ``SVC(decision_function_shape="ovo")`` / ``NuSVC`` return one column per pair
        of classes (positive: class ``i`` wins), not one per class.
        """
        if self.output != "decision" or self._kind != "estimator":
            return None
        est = _final_step(self.model)[1]
        classes = getattr(self.model, "classes_", None)
        if getattr(est, "decision_function_shape", None) != "ovo" or classes is None or len(classes) < 3:
            return None
        K = len(classes)
        return [(i, j) for i in range(K) for j in range(i + 1, K)]

    def _default_names(self, k: int) -> tuple[str, ...]:
        classes = getattr(self.model, "classes_", None)
        pairs = self.ovo_pairs
        if classes is not None and pairs is not None and len(pairs) == k:
            cl = [str(c) for c in np.asarray(classes).tolist()]
            return tuple(f"{cl[i]} vs {cl[j]}" for i, j in pairs)
        if classes is not None:
            classes = [str(c) for c in np.asarray(classes).tolist()]
            if len(classes) == k:
                return tuple(classes)
            if k == 1 and len(classes) == 2:
                return (classes[1],)
        if self.is_classifier and k == 2:
            return ("0", "1")
        if self.is_classifier and k == 1:
            return ("1",)
        if k == 1:
            return ("prediction",)
        return tuple(f"output_{i}" for i in range(k))

    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (f"ModelFunction({type(self.model).__name__}, output={self.output!r}, "
                f"n_outputs={self.n_outputs}, n_features={self.schema.n_features})")


def model_function(model: Any, X: Any = None, *, schema: Schema | None = None, output: str = "auto",
                   output_names: Sequence[str] | None = None, feature_names: Sequence[str] | None = None,
                   categorical_features: Any = "auto", batch_size: int | None = None) -> ModelFunction:
    """Wrap any model as a batched function of encoded rows.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
        A callable must take data in the form ``X`` has and return an array of
        shape (n,) or (n, k).
    X : array-like or DataFrame, optional
        Data in the form the model takes; used to build the schema (when
        ``schema`` is not given) and to probe the model once.
    schema : Schema, optional
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}
        ``auto``: class probabilities for classifiers with ``predict_proba``,
        else the decision function, else ``predict``. ``log_odds``: log(p/(1-p))
        per class; one column (the positive class) for a binary model.
        ``raw``: the margin of boosted trees (xgboost, lightgbm, catboost, also
        at the end of a Pipeline), the decision function of other classifiers,
        the probabilities of classifiers with neither (the output is then
        ``"proba"``), and for regressors ``predict`` on the scale of the model's
        link: ``log(predict)`` for a Poisson / gamma / Tweedie
        ``HistGradientBoostingRegressor`` or GLM, ``predict`` itself otherwise.
    output_names : sequence of str, optional
        Names of the outputs (default: the classes, or ``prediction``).
    feature_names : sequence of str, optional
        Names of numpy columns.
    categorical_features : "auto", None or list
        Passed to :meth:`Schema.from_data`.
    batch_size : int, optional
        Rows per model call (default: bounded by 64 MiB of input, at most 131072).

    Returns
    -------
    ModelFunction

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> f = model_function(LogisticRegression(max_iter=500).fit(X, y), X)
    >>> f(f.schema.encode(X[:2])).shape
    (2, 3)
    """
    if isinstance(model, ModelFunction):
        if schema is not None and schema is not model.schema:
            raise ValueError("this ModelFunction was built with another schema")
        return model
    if X is None and schema is None:
        names = getattr(model, "feature_names_in_", None)
        n_in = getattr(model, "n_features_in_", None)
        if n_in is None:
            raise ValueError("model_function needs data X (or a schema) to know the model's input")
        X = np.zeros((1, int(n_in)))
        feature_names = feature_names or (None if names is None else [str(n) for n in names])
        probe = None
        schema = Schema.from_data(X, feature_names=feature_names, categorical_features=None)
    else:
        if schema is None:
            feature_names = default_feature_names(model, X, feature_names)
        schema = as_schema(X, schema, feature_names=feature_names, categorical_features=categorical_features)
        probe = schema.encode(X)[:1] if X is not None else None
    return ModelFunction(model, schema, output, output_names, batch_size, probe)


def prepare(model: Any, X: Any, *, name: str = "X", output: str = "auto", schema: Schema | None = None,
            feature_names: Sequence[str] | None = None, categorical_features: Any = "auto",
            output_names: Sequence[str] | None = None, batch_size: int | None = None,
            allow_nan: bool = True, min_rows: int = 1) -> tuple[ModelFunction, np.ndarray]:
    """The common first step of every method: wrap the model and encode the data.

    Returns ``(f, Z)``: the model as a batched function of encoded rows, and the
    float64 encoding of ``X`` (a fresh array; ``X`` is never modified). If
    ``model`` is already a :class:`ModelFunction`, its schema is used.

    Raises
    ------
    ValueError
        For data that does not fit the model, or fewer than ``min_rows`` rows.
    """
    if isinstance(model, ModelFunction):
        Z = model.schema.encode(X, name=name, allow_nan=allow_nan)
        f = model
        if output not in ("auto", f.output):
            raise ValueError(f"this ModelFunction explains output {f.output!r}, not {output!r}")
    else:
        if schema is None:
            feature_names = default_feature_names(model, X, feature_names)
        schema = as_schema(X, schema, feature_names=feature_names, categorical_features=categorical_features)
        Z = schema.encode(X, name=name, allow_nan=allow_nan)
        f = ModelFunction(model, schema, output, output_names, batch_size, Z[:1])
    if Z.shape[0] < min_rows:
        raise ValueError(f"{name} has {Z.shape[0]} row{'s' if Z.shape[0] != 1 else ''}; "
                         f"this method needs at least {min_rows}")
    return f, Z


def provenance(method: str, f: ModelFunction | None, params: dict | None = None, *,
               random_state: int | None = None, n_evals: int | None = None, backend: Any = None):
    """Build the :class:`~unboxed._results.Provenance` of a result."""
    from ._parallel import backend_name
    from ._results import Provenance
    return Provenance(
        method=method, params=params or {}, random_state=random_state,
        n_evals=int(f.n_evals if n_evals is None and f is not None else (n_evals or 0)),
        model="" if f is None else type(f.model).__name__,
        output="" if f is None else f.output,
        backend=backend_name(backend),
    )
