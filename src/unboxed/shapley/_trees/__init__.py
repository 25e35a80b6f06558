"""Private: one array format for tree ensembles, parsers into it, and compiled Tree SHAP kernels.

``_format``          :class:`TreeEnsemble` (all trees concatenated, preorder) and :class:`InputMap`
``_sklearn``         parsers for scikit-learn trees, forests and gradient boosting
``_boosters``        parsers for xgboost and lightgbm
``_catboost``        parser for catboost (oblivious and non-symmetric trees)
``_path``            path-dependent Tree SHAP and interaction values (numba)
``_interventional``  interventional Tree SHAP against a background set (numba)
"""

from ._format import InputMap, TreeEnsemble
from ._parse import UNSUPPORTED_MESSAGE, parse_model, supported

__all__ = ["TreeEnsemble", "InputMap", "parse_model", "supported", "UNSUPPORTED_MESSAGE"]
