"""Which models Tree SHAP reads, and the dispatch to their parsers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._format import TreeEnsemble

__all__ = ["supported", "parse_model", "UNSUPPORTED_MESSAGE", "SKLEARN_FORESTS", "SKLEARN_GB", "SKLEARN_HGB"]

SKLEARN_FORESTS = frozenset({
    "DecisionTreeRegressor", "DecisionTreeClassifier", "ExtraTreeRegressor", "ExtraTreeClassifier",
    "RandomForestRegressor", "RandomForestClassifier", "ExtraTreesRegressor", "ExtraTreesClassifier",
})
SKLEARN_GB = frozenset({"GradientBoostingRegressor", "GradientBoostingClassifier"})
SKLEARN_HGB = frozenset({"HistGradientBoostingRegressor", "HistGradientBoostingClassifier"})
XGB_MODELS = frozenset({"XGBRegressor", "XGBClassifier", "XGBRFRegressor", "XGBRFClassifier", "XGBRanker",
                        "Booster", "XGBModel"})
LGB_MODELS = frozenset({"LGBMRegressor", "LGBMClassifier", "LGBMRanker", "LGBMModel", "Booster"})
CATBOOST_MODELS = frozenset({"CatBoost", "CatBoostClassifier", "CatBoostRegressor"})

UNSUPPORTED_MESSAGE = (
    "TreeShap supports scikit-learn DecisionTree*, ExtraTree*, RandomForest*, ExtraTrees*, "
    "GradientBoosting* and HistGradientBoosting* (regressors and classifiers), xgboost (Booster and "
    "XGBRegressor / XGBClassifier / XGBRF* / XGBRanker) and lightgbm (Booster and LGBMRegressor / "
    "LGBMClassifier / LGBMRanker) and catboost (CatBoost / CatBoostClassifier / CatBoostRegressor "
    "with numeric features) models"
)


def _family(model: Any) -> str | None:
    """The family of a model (its own class or the nearest supported base class)."""
    for cls in type(model).__mro__:
        if cls.__name__ == "CatBoostRanker" and cls.__module__.split(".")[0] == "catboost":
            return None  # its predict has no prediction_type="RawFormulaVal" for the additivity check
        fam = _family_of_class(cls.__module__.split(".")[0], cls.__name__)
        if fam is not None:
            return fam
    return None


def _family_of_class(mod: str, name: str) -> str | None:
    if mod == "sklearn":
        if name in SKLEARN_FORESTS:
            return "sklearn_forest"
        if name in SKLEARN_GB:
            return "sklearn_gb"
        if name in SKLEARN_HGB:
            return "sklearn_hgb"
        return None
    if mod == "xgboost" and name in XGB_MODELS:
        return "xgboost"
    if mod == "lightgbm" and name in LGB_MODELS:
        return "lightgbm"
    if mod == "catboost" and name in CATBOOST_MODELS:
        return "catboost"
    return None


def is_booster(model: Any) -> bool:
    """An xgboost or lightgbm native Booster (or a subclass of one)."""
    return any(c.__name__ == "Booster" and c.__module__.split(".")[0] in ("xgboost", "lightgbm")
               for c in type(model).__mro__)


def _is_fitted(model: Any, family: str) -> bool:
    if family == "sklearn_forest":
        return hasattr(model, "tree_") or hasattr(model, "estimators_")
    if family == "sklearn_gb":
        return hasattr(model, "estimators_")
    if family == "sklearn_hgb":
        return hasattr(model, "_predictors")
    if family == "xgboost":
        if is_booster(model):
            return True
        try:
            model.get_booster()
            return True
        except Exception:
            return False
    if family == "lightgbm":
        if is_booster(model):
            return True
        return getattr(model, "_Booster", None) is not None
    if family == "catboost":
        try:
            return bool(model.is_fitted())
        except Exception:
            return False
    return False


def supported(model: Any) -> bool:
    """Whether :func:`parse_model` reads this (fitted) model."""
    if type(model).__name__ == "ModelFunction":
        model = model.model
    fam = _family(model)
    if fam is None:
        return False
    if fam == "sklearn_forest":
        est = model.estimators_[0] if hasattr(model, "estimators_") else model
        t = getattr(est, "tree_", None)
        if t is None:
            return False
        # multi-output classification has no single probability per class
        if getattr(model, "n_outputs_", 1) > 1 and hasattr(model, "classes_"):
            return False
        return True
    if fam == "catboost":
        from ._catboost import catboost_unsupported
        return _is_fitted(model, fam) and catboost_unsupported(model) is None
    return _is_fitted(model, fam)


def unsupported_reason(model: Any) -> str | None:
    """Why a fitted model of a supported family still cannot be read (None if it can, or is of no family)."""
    if type(model).__name__ == "ModelFunction":
        model = model.model
    fam = _family(model)
    if fam == "catboost" and _is_fitted(model, fam):
        from ._catboost import catboost_unsupported
        return catboost_unsupported(model)
    return None


def parse_model(model: Any, schema: Any) -> TreeEnsemble:
    """Read a fitted tree model into a :class:`TreeEnsemble`.

    ``schema`` is the :class:`~unboxed._data.Schema` of the explained data; it
    decides how the data's columns and category codes map to the model's input.
    """
    fam = _family(model)
    if fam is None:
        raise TypeError(f"{UNSUPPORTED_MESSAGE}; got {type(model).__module__}.{type(model).__name__}")
    if not _is_fitted(model, fam):
        raise ValueError(f"this {type(model).__name__} is not fitted yet; call fit first")
    if fam in ("sklearn_forest", "sklearn_gb", "sklearn_hgb"):
        from . import _sklearn
        ens = {"sklearn_forest": _sklearn.parse_forest, "sklearn_gb": _sklearn.parse_gb,
               "sklearn_hgb": _sklearn.parse_hgb}[fam](model, schema)
    elif fam == "xgboost":
        from ._boosters import parse_xgboost
        ens = parse_xgboost(model, schema)
    elif fam == "catboost":
        from ._catboost import parse_catboost
        ens = parse_catboost(model, schema)
    else:
        from ._boosters import parse_lightgbm
        ens = parse_lightgbm(model, schema)
    return ens


def class_names(model: Any, k: int, classifier: bool) -> tuple[str, ...]:
    """Output names following the ModelFunction conventions."""
    classes = getattr(model, "classes_", None)
    if classes is not None:
        classes = [str(c) for c in np.asarray(classes).tolist()]
        if len(classes) == k:
            return tuple(classes)
        if k == 1 and len(classes) == 2:
            return (classes[1],)
    if classifier:
        return ("1",) if k == 1 else tuple(str(i) for i in range(k))
    return ("prediction",) if k == 1 else tuple(f"output_{i}" for i in range(k))
