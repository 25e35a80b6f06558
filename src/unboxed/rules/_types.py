"""Rules as data: ``Condition``, ``Rule``, and the three printed forms people read.

A rule model's knowledge is a sequence of :class:`Rule` objects, each a
conjunction of :class:`Condition` objects with a prediction and the statistics
of the rows it covered. The same rules print as

- a **rule list** (ordered; the first rule that fires decides)::

      IF Size=small THEN Price=low
      ELSE IF Size=medium THEN Price=medium
      ELSE Price=high

- a **rule set** (unordered; each rule with its class probabilities), and
- a **rule tree** (the rule list drawn as the decision tree it is, or a real tree
  given as nested splits).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Condition", "Rule", "OPS", "format_rule_list", "format_rule_set", "format_rule_tree",
           "rules_to_frame", "format_value"]

OPS = ("<=", "<", ">", ">=", "==", "!=", "in", "not in")


def format_value(v: Any) -> str:
    """Short readable text of a threshold or category."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if f == int(f) and abs(f) < 1e15:
            return str(int(f))
        return f"{f:.4g}"
    if isinstance(v, (tuple, list, frozenset, set)):
        items = sorted(v, key=str) if isinstance(v, (set, frozenset)) else list(v)
        return "{" + ", ".join(format_value(x) for x in items) + "}"
    return str(v)


@dataclass(frozen=True)
class Condition:
    """One test on one feature: ``feature op value``.

    Parameters
    ----------
    feature : str
    op : {"<=", "<", ">", ">=", "==", "!=", "in", "not in"}
    value : number, category, or tuple of categories (for ``in`` / ``not in``)
    """

    feature: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"op must be one of {OPS}, got {self.op!r}")
        if self.op in ("in", "not in") and not isinstance(self.value, tuple):
            object.__setattr__(self, "value", tuple(self.value))

    def __str__(self) -> str:
        if self.op == "==":
            return f"{self.feature}={format_value(self.value)}"
        if self.op == "!=":
            return f"{self.feature}≠{format_value(self.value)}"
        return f"{self.feature} {self.op} {format_value(self.value)}"

    def evaluate(self, column: Any) -> np.ndarray:
        """Boolean mask of the rows of ``column`` (1-D values) that satisfy the test.

        Missing values never satisfy a condition.
        """
        col = np.asarray(column, dtype=object if self.op in ("==", "!=", "in", "not in") else None)
        present = ~np.asarray(pd.isna(col), dtype=bool)
        if self.op in ("==", "!=", "in", "not in"):
            vals = self.value if self.op in ("in", "not in") else (self.value,)
            hit = np.array([x in vals for x in col.tolist()], dtype=bool)
            if any(isinstance(v, numbers.Number) for v in vals):
                try:
                    num = col.astype(np.float64)
                    hit |= np.isin(num, np.asarray([v for v in vals if isinstance(v, numbers.Number)],
                                                   dtype=np.float64))
                except (TypeError, ValueError):
                    pass
            if self.op in ("!=", "not in"):
                hit = ~hit
            return hit & present
        num = col.astype(np.float64)
        with np.errstate(invalid="ignore"):
            if self.op == "<=":
                hit = num <= self.value
            elif self.op == "<":
                hit = num < self.value
            elif self.op == ">":
                hit = num > self.value
            else:
                hit = num >= self.value
        return hit & present


@dataclass(frozen=True)
class Rule:
    """A conjunction of conditions with what it predicts.

    Parameters
    ----------
    conditions : tuple of Condition
        Empty for the default rule (``ELSE``).
    prediction : object
        The class label, or the number predicted (regression / RuleFit term).
    probabilities : tuple of float, optional
        Class distribution among the covered rows (classification).
    support : int
        Rows covered when the rule was learned.
    confidence : float, optional
        Share of covered rows with the predicted class (precision).
    weight : float, optional
        A coefficient (RuleFit) or the rule's contribution (FIGS).
    """

    conditions: tuple = ()
    prediction: Any = None
    probabilities: tuple | None = None
    support: int = 0
    confidence: float | None = None
    weight: float | None = None
    classes: tuple | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", tuple(self.conditions))
        for c in self.conditions:
            if not isinstance(c, Condition):
                raise TypeError(f"a Rule holds Condition objects, got {type(c).__name__}")

    @property
    def length(self) -> int:
        return len(self.conditions)

    @property
    def is_default(self) -> bool:
        return not self.conditions

    def antecedent(self) -> str:
        return " AND ".join(str(c) for c in self.conditions) if self.conditions else "TRUE"

    def __str__(self) -> str:
        return f"IF {self.antecedent()} THEN {format_value(self.prediction)}"

    def covers(self, X: Any) -> np.ndarray:
        """Boolean mask of the rows of ``X`` (DataFrame, or dict of columns) the rule covers."""
        n = len(X) if not isinstance(X, dict) else len(next(iter(X.values())))
        mask = np.ones(n, dtype=bool)
        for c in self.conditions:
            column = X[c.feature]
            mask &= c.evaluate(column.to_numpy() if hasattr(column, "to_numpy") else column)
        return mask


def _then(rule: Rule, target: str | None) -> str:
    pred = format_value(rule.prediction)
    return f"{target}={pred}" if target else pred


def format_rule_list(rules: Sequence[Rule], target: str | None = None, *, else_if_last: bool = True) -> str:
    """The ordered IF / ELSE IF / ELSE form.

    A final default rule (no conditions) prints as ``ELSE target=value``. When the
    list has no default rule and ``else_if_last`` is true, every rule after the
    first prints as ``ELSE IF``.
    """
    lines = []
    for i, r in enumerate(rules):
        if r.is_default:
            lines.append(f"ELSE {_then(r, target)}" if i else f"{_then(r, target)}")
            continue
        head = "IF" if i == 0 else "ELSE IF"
        lines.append(f"{head} {r.antecedent()} THEN {_then(r, target)}")
    return "\n".join(lines)


def format_rule_set(rules: Sequence[Rule], target: str | None = None) -> str:
    """Unordered IF rules, each with its class probabilities (or weight) and support."""
    lines = []
    for r in rules:
        extra = []
        if r.probabilities is not None and r.classes is not None:
            extra.append(", ".join(f"P({target + '=' if target else ''}{format_value(c)})={p:.2f}"
                                   for c, p in zip(r.classes, r.probabilities)))
        elif r.confidence is not None:
            extra.append(f"confidence {r.confidence:.2f}")
        if r.weight is not None:
            extra.append(f"weight {r.weight:+.4g}")
        extra.append(f"support {r.support}")
        lines.append(f"IF {r.antecedent()} THEN {_then(r, target)}  [{'; '.join(extra)}]")
    return "\n".join(lines)


def format_rule_tree(rules: Sequence[Rule], target: str | None = None) -> str:
    """A rule list drawn as the tree it is: each rule's test, its THEN leaf, its ELSE branch below."""
    lines: list[str] = []
    depth = 0
    for r in rules:
        pad = "│   " * depth
        if r.is_default:
            lines.append(f"{pad}└── {_then(r, target)}")
            break
        lines.append(f"{pad}├── {r.antecedent()}")
        lines.append(f"{pad}│   └── {_then(r, target)}  (n={r.support})")
        lines.append(f"{pad}└── else")
        depth += 1
    return "\n".join(lines)


def rules_to_frame(rules: Sequence[Rule]) -> pd.DataFrame:
    """One row per rule: its text, conditions, prediction and statistics."""
    return pd.DataFrame({
        "rule": [r.antecedent() for r in rules],
        "n_conditions": [r.length for r in rules],
        "prediction": [r.prediction for r in rules],
        "support": [r.support for r in rules],
        "confidence": [r.confidence for r in rules],
        "weight": [r.weight for r in rules],
        "probabilities": [r.probabilities for r in rules],
    })
