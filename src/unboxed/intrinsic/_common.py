"""Shared helpers of the intrinsic explanations: unwrap Pipelines, map data to the model's space."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._data import Schema
from .._model import ModelFunction, model_function
from .._validation import describe

__all__ = ["split_pipeline", "ModelSpace", "model_space", "quiet"]


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a final estimator on its numeric inputs without the "no feature names" warning."""
    import warnings
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return fn(*args, **kwargs)


def split_pipeline(model: Any) -> tuple[list[Any], Any]:
    """``(transformers before the final step, final estimator)``; a bare estimator has no transformers."""
    if isinstance(model, ModelFunction):
        model = model.model
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps and hasattr(model, "named_steps"):
        prefix = [t for _, t in steps[:-1] if t is not None and t != "passthrough"]
        final = steps[-1][1]
        if final is None or final == "passthrough":
            raise TypeError("the Pipeline ends in 'passthrough'; it needs a fitted estimator as its last step")
        inner_prefix, inner = split_pipeline(final)
        return prefix + inner_prefix, inner
    return [], model


def _affine(prefix: list[Any], p: int) -> tuple[np.ndarray, np.ndarray] | None:
    """If every transformer maps each column on its own by z = (x - c) / s, return (c, s)."""
    from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler
    c, s = np.zeros(p), np.ones(p)
    for t in prefix:
        if isinstance(t, StandardScaler):
            ci = np.zeros(p) if t.mean_ is None or not t.with_mean else np.asarray(t.mean_, dtype=float)
            si = np.ones(p) if t.scale_ is None else np.asarray(t.scale_, dtype=float)
        elif isinstance(t, RobustScaler):
            ci = np.zeros(p) if t.center_ is None else np.asarray(t.center_, dtype=float)
            si = np.ones(p) if t.scale_ is None else np.asarray(t.scale_, dtype=float)
        elif isinstance(t, MaxAbsScaler):
            ci, si = np.zeros(p), np.asarray(t.scale_, dtype=float)
        elif isinstance(t, MinMaxScaler) and not t.clip:
            sc = np.asarray(t.scale_, dtype=float)
            ci, si = -np.asarray(t.min_, dtype=float) / sc, 1.0 / sc
        elif isinstance(t, FunctionTransformer) and t.func is None:
            continue
        else:
            return None
        if ci.shape != (p,) or si.shape != (p,):
            return None
        c, s = c + s * ci, s * si
    return c, s


class ModelSpace:
    """The rows to explain, in the space the final estimator sees.

    Attributes
    ----------
    f : ModelFunction
        The whole model (for validation, provenance and checks).
    final : estimator
        The last step.
    Z : ndarray (n, p)
        Encoded user rows.
    Xt : ndarray (n, q)
        The rows as the final estimator sees them.
    names : tuple of str (q,)
        Names of the final estimator's inputs.
    affine : (c, s) or None
        When the steps before the final one only rescale each column
        (``z = (x - c) / s``): the user's features *are* the model's, rescaled.
    """

    def __init__(self, model: Any, X: Any, *, name: str = "X", allow_nan: bool = False, output: str = "auto",
                 min_rows: int = 1):
        prefix, _ = split_pipeline(model)
        if isinstance(model, ModelFunction):
            schema = model.schema
        else:
            schema = Schema.from_data(X)
            if not prefix:
                # the estimator takes the table as it is: strings in it cannot be numbers for the model
                for col in schema.columns:
                    if col.encoding == "codes" and col.categories != (False, True):
                        raise TypeError(f"{name} column {col.name!r} holds non-numeric values such as "
                                        f"{list(col.categories)[:3]}; this model takes numbers only (encode them "
                                        "in a Pipeline step first)")
        # the model is read, not called: wrap it without a probe call (this checks the columns)
        self.f = model_function(model, schema=schema, output=output)
        # missing values are fine where Pipeline steps (an imputer) fill them before the final
        # estimator; what reaches the estimator is checked after the transformation
        self.Z = schema.encode(X, name=name, allow_nan=allow_nan or bool(prefix))
        if self.Z.shape[0] < min_rows:
            raise ValueError(f"{name} has {self.Z.shape[0]} rows; this method needs at least {min_rows}")
        self.prefix, self.final = split_pipeline(self.f.model)
        self.schema = self.f.schema
        self.Xt, self.names = self.transform(self.Z)
        _check_complete(self.Xt, name, allow_nan)
        self.affine = _affine(self.prefix, self.schema.n_features) if self.prefix else None
        if not self.prefix:
            self.affine = (np.zeros(self.schema.n_features), np.ones(self.schema.n_features))

    def transform(self, Z: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        Xm = self.schema.decode(Z)
        if not self.prefix:
            Xt = Xm
            names = self.schema.names
        else:
            Xt = Xm
            for t in self.prefix:
                Xt = t.transform(Xt)
            names = None
            last = self.prefix[-1]
            if hasattr(last, "get_feature_names_out"):
                try:
                    names = tuple(str(v) for v in last.get_feature_names_out())
                except Exception:
                    names = None
        if hasattr(Xt, "toarray"):
            Xt = Xt.toarray()
        if hasattr(Xt, "to_numpy"):
            Xt = Xt.to_numpy()
        try:
            Xt = np.asarray(Xt, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"the model's final step receives non-numeric data ({describe(Xt)}); "
                            "its inputs must be numbers") from None
        if Xt.ndim != 2:
            raise ValueError(f"the steps before the final estimator returned shape {Xt.shape}, expected 2-D")
        if names is not None and self.prefix and len(names) == self.schema.n_features and \
                names == tuple(f"x{j}" for j in range(len(names))):
            # sklearn's placeholder names: the steps kept the columns one to one (imputers, scalers)
            names = self.schema.names
        if names is None or len(names) != Xt.shape[1]:
            names = self.schema.names if Xt.shape[1] == self.schema.n_features and not self.prefix else \
                tuple(f"t{j}" for j in range(Xt.shape[1]))
        return Xt, names

    def encode_other(self, X: Any, name: str) -> np.ndarray:
        """Another table (background, training data) in the final estimator's space."""
        Z = self.schema.encode(X, name=name, allow_nan=bool(self.prefix))
        Xt = self.transform(Z)[0]
        _check_complete(Xt, name, False)
        return Xt


def _check_complete(Xt: np.ndarray, name: str, allow_nan: bool) -> None:
    if not allow_nan and np.isnan(Xt).any():
        rows = np.nonzero(np.isnan(Xt).any(axis=1))[0][:5].tolist()
        raise ValueError(f"{name} has missing values that reach the final estimator (rows {rows}); this "
                         "method needs complete data there: impute them (e.g. a SimpleImputer step) or drop them")


def model_space(model: Any, X: Any, **kwargs: Any) -> ModelSpace:
    return ModelSpace(model, X, **kwargs)
