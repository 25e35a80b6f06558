"""Interpretable rule models (all scikit-learn estimators) and rules as data."""

from __future__ import annotations

import importlib
from typing import Any

from ._types import Condition, Rule, format_rule_list, format_rule_set, format_rule_tree, rules_to_frame

_LAZY = {
    "OneR": "unboxed.rules.oner",
    "RuleList": "unboxed.rules.covering",
    "BayesianRuleList": "unboxed.rules.brl",
    "RuleFit": "unboxed.rules.rulefit",
    "RuleFitClassifier": "unboxed.rules.rulefit",
    "RuleFitRegressor": "unboxed.rules.rulefit",
    "FIGSClassifier": "unboxed.rules.figs",
    "FIGSRegressor": "unboxed.rules.figs",
}
__all__ = ["Condition", "Rule", "format_rule_list", "format_rule_set", "format_rule_tree", "rules_to_frame",
           *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.rules' has no attribute {name!r}")
