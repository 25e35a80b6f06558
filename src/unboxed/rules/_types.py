"""Rules as data: ``Condition``, ``Rule``, and the three printed forms people read.

A rule model's knowledge is a sequence of :class:`Rule` objects, each a
conjunction of :class:`Condition` objects with a prediction and the statistics
of the rows it covered. The same rules print as

- a **rule list** (ordered; the first rule that fires decides)::

      IF Size=small THEN Price=low
      ELSE IF Size=medium THEN Price=medium
      ELSE Price=high

- a **rule set** (unordered; each rule with its class probabilities)::

      IF Size=small THEN Price=low  [P(Price=high)=0.29, P(Price=low)=0.43, ...; support 4]

- a **rule tree**: a rule list drawn as the decision tree it is (each rule's
  test, its THEN leaf, and its ELSE branch below it), or, with
  ``ordered=False``, the leaves of a real tree given as their paths (rules
  that share leading conditions share branches)::

      ├── Size=small
      │   └── Price=low  (n=4)
      └── else
          ├── Size=medium
          │   └── Price=medium  (n=4)
          └── else
              └── Price=high  (n=2)

Conditions
----------
``Condition(feature, op, value)`` with ``op`` one of :data:`OPS`:

- ``<=``, ``<``, ``>``, ``>=`` on a number: ``age <= 25``;
- ``==`` / ``!=`` on a category (or number): ``Size=small``, ``Size≠small``;
- ``in`` / ``not in`` with a tuple of categories: ``color in {red, blue}``;
  ``None`` among them stands for a missing value: ``color in {red, missing}``
  holds for red and for missing, ``color not in {red, missing}`` for neither;
- ``in`` / ``not in`` with a :class:`pandas.Interval`: ``age in (25, 40]``
  (the interval's own ``closed`` side is honoured);
- ``is missing`` (value ``None``): the value is NaN / None.

A missing value satisfies no condition except ``is missing`` and an ``in`` whose
categories include ``None`` (missing). Feature names and
category labels are the user's own (a DataFrame's column names, the labels of a
``category`` column).
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

#: The comparison operators a :class:`Condition` may use.
OPS = ("<=", "<", ">", ">=", "==", "!=", "in", "not in", "is missing")

_SET_OPS = ("==", "!=", "in", "not in")


def format_value(v: Any) -> str:
    """Short readable text of a threshold, category, set of categories or interval.

    Examples
    --------
    >>> format_value(3.0), format_value(0.123456), format_value(("a", "b"))
    ('3', '0.1235', '{a, b}')
    >>> import pandas as pd
    >>> format_value(pd.Interval(25, 40.5, closed="right"))
    '(25, 40.5]'
    """
    if v is None:
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, pd.Interval):
        left = "[" if v.closed in ("left", "both") else "("
        right = "]" if v.closed in ("right", "both") else ")"
        return f"{left}{format_value(v.left)}, {format_value(v.right)}{right}"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if not np.isfinite(f):
            return str(f)
        if f == int(f) and abs(f) < 1e15:
            return str(int(f))
        # 4 significant digits, but never fewer than every integer digit plus one decimal: a threshold of
        # 10331.5 must not print as 1.033e+04 (= 10330), which would misstate the rule for 10331
        # (nor a non-integer as an integer: 999.95 is not 1000)
        digits = max(4, int(np.floor(np.log10(abs(f)))) + 2 if 1 <= abs(f) < 1e15 else 4)
        text = f"{f:.{digits}g}"
        while float(text).is_integer() and digits < 17:
            digits += 1
            text = f"{f:.{digits}g}"
        return text
    if isinstance(v, (tuple, list, frozenset, set)):
        items = sorted(v, key=str) if isinstance(v, (set, frozenset)) else list(v)
        return "{" + ", ".join(format_value(x) for x in items) + "}"
    return str(v)


def _is_interval(value: Any) -> bool:
    return isinstance(value, pd.Interval)


@dataclass(frozen=True)
class Condition:
    """One test on one feature: ``feature op value``.

    Parameters
    ----------
    feature : str
        The feature's name as the user knows it.
    op : {"<=", "<", ">", ">=", "==", "!=", "in", "not in", "is missing"}
    value : number, category, tuple of categories, pandas.Interval, or None
        A tuple of categories or a :class:`pandas.Interval` for ``in`` /
        ``not in`` (any other iterable is turned into a tuple); ``None`` for
        ``is missing``.

    Examples
    --------
    >>> import numpy as np
    >>> c = Condition("age", "<=", 25)
    >>> str(c), c.evaluate(np.array([20.0, 30.0, np.nan])).tolist()
    ('age <= 25', [True, False, False])
    >>> str(Condition("Size", "==", "small"))
    'Size=small'
    """

    feature: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"op must be one of {OPS}, got {self.op!r}")
        if self.op in ("in", "not in") and not isinstance(self.value, tuple) and not _is_interval(self.value):
            if isinstance(self.value, (str, bytes)) or not hasattr(self.value, "__iter__"):
                raise TypeError(f"op {self.op!r} needs a tuple of categories or a pandas.Interval, "
                                f"got {self.value!r}")
            object.__setattr__(self, "value", tuple(self.value))
        if self.op == "is missing" and self.value is not None:
            raise ValueError(f"op 'is missing' takes no value, got {self.value!r}")
        if self.op in ("<=", "<", ">", ">=") and not isinstance(self.value, numbers.Real):
            raise TypeError(f"op {self.op!r} compares with a number, got {self.value!r}")

    def __str__(self) -> str:
        if self.op == "==":
            return f"{self.feature}={format_value(self.value)}"
        if self.op == "!=":
            return f"{self.feature}≠{format_value(self.value)}"
        if self.op == "is missing":
            return f"{self.feature} is missing"
        return f"{self.feature} {self.op} {format_value(self.value)}"

    def evaluate(self, column: Any) -> np.ndarray:
        """Boolean mask of the rows of ``column`` (1-D values) that satisfy the test.

        Parameters
        ----------
        column : array-like of shape (n_rows,)
            The feature's values as the user has them (numbers, labels, a
            pandas Series, categorical included).

        Returns
        -------
        ndarray of bool, shape (n_rows,)
            Missing values satisfy only ``is missing`` and ``in`` with ``None`` (missing) among its categories.
        """
        col = np.asarray(column, dtype=object if self.op in _SET_OPS or self.op == "is missing" else None)
        missing = np.asarray(pd.isna(col), dtype=bool).reshape(col.shape)
        if self.op == "is missing":
            return missing
        present = ~missing
        if self.op in ("in", "not in") and _is_interval(self.value):
            iv = self.value
            num = _as_float(col, self.feature)
            with np.errstate(invalid="ignore"):
                lo = num >= iv.left if iv.closed in ("left", "both") else num > iv.left
                hi = num <= iv.right if iv.closed in ("right", "both") else num < iv.right
            hit = lo & hi
            if self.op == "not in":
                hit = ~hit
            return hit & present
        if self.op in _SET_OPS:
            vals = self.value if self.op in ("in", "not in") else (self.value,)
            with_missing = self.op in ("in", "not in") and any(_is_missing_marker(v) for v in vals)
            vals = tuple(v for v in vals if not _is_missing_marker(v))
            hit = np.fromiter((_member(x, vals) for x in col.tolist()), dtype=bool, count=col.shape[0])
            nums = [v for v in vals if isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_))]
            if nums:  # numbers of other types (numpy scalars, int vs float) compare by value; strings never do
                is_num = np.fromiter((isinstance(x, numbers.Number) and not isinstance(x, (bool, np.bool_))
                                      for x in col.tolist()), dtype=bool, count=col.shape[0])
                if is_num.any():
                    num = np.full(col.shape[0], np.nan)
                    num[is_num] = col[is_num].astype(np.float64)
                    hit |= np.isin(num, np.asarray(nums, dtype=np.float64))
            if self.op in ("!=", "not in"):
                hit = ~hit
            if with_missing and self.op == "in":  # `x in {a, missing}` holds for a missing x too
                return (hit & present) | missing
            return hit & present
        num = _as_float(col, self.feature)
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


def _is_missing_marker(v: Any) -> bool:
    """None or NaN among the values of an ``in`` / ``not in`` condition stands for "missing"."""
    return v is None or (isinstance(v, float) and v != v)


def _member(x: Any, vals: tuple) -> bool:
    try:
        return x in vals
    except TypeError:  # unhashable / odd comparisons
        return any(x == v for v in vals)


def _as_float(col: np.ndarray, feature: str) -> np.ndarray:
    try:
        return np.asarray(col, dtype=np.float64)
    except (TypeError, ValueError):
        num = pd.to_numeric(pd.Series(np.asarray(col, dtype=object)), errors="coerce")
        return num.to_numpy(dtype=np.float64, na_value=np.nan)


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
        Class distribution among the covered rows (classification), in the
        order of ``classes``.
    support : int
        Rows covered when the rule was learned (for a rule list: the training
        rows this rule decided, i.e. not caught by an earlier rule).
    confidence : float, optional
        Share of covered rows with the predicted class (precision).
    weight : float, optional
        A coefficient (RuleFit) or the rule's contribution (FIGS).
    classes : tuple, optional
        The class labels ``probabilities`` refers to (not part of equality).

    Examples
    --------
    >>> r = Rule((Condition("Size", "==", "small"),), prediction="low", support=4, confidence=0.5)
    >>> str(r)
    'IF Size=small THEN low'
    >>> r.covers({"Size": ["small", "big"]}).tolist()
    [True, False]
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
        if self.probabilities is not None:
            object.__setattr__(self, "probabilities", tuple(float(p) for p in self.probabilities))
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(self.classes))

    @property
    def length(self) -> int:
        """Number of conditions."""
        return len(self.conditions)

    @property
    def is_default(self) -> bool:
        """True for the rule without conditions (the ELSE of a rule list)."""
        return not self.conditions

    @property
    def features(self) -> tuple[str, ...]:
        """The features the rule tests, in order of first use."""
        return tuple(dict.fromkeys(c.feature for c in self.conditions))

    def antecedent(self) -> str:
        """The IF part as text (``TRUE`` for the default rule)."""
        return " AND ".join(str(c) for c in self.conditions) if self.conditions else "TRUE"

    def __str__(self) -> str:
        return f"IF {self.antecedent()} THEN {format_value(self.prediction)}"

    def covers(self, X: Any, feature_names: Sequence[str] | None = None) -> np.ndarray:
        """Boolean mask of the rows of ``X`` the rule covers.

        Parameters
        ----------
        X : DataFrame, dict of columns, or 2-D array
            A 2-D array needs ``feature_names`` (its column names, in order).
        feature_names : sequence of str, optional

        Returns
        -------
        ndarray of bool, shape (n_rows,)
        """
        if isinstance(X, dict):
            columns = X
            n = len(next(iter(X.values()))) if X else 0
        elif isinstance(X, pd.DataFrame) or hasattr(X, "columns") and hasattr(X, "__getitem__") \
                and not isinstance(X, np.ndarray):
            columns = X
            n = len(X)
        else:
            arr = np.asarray(X)
            if arr.ndim != 2:
                raise ValueError(f"X must be 2-D (n_rows, n_features), got shape {arr.shape}")
            if feature_names is None:
                feature_names = [f"x{j}" for j in range(arr.shape[1])]
            if len(feature_names) != arr.shape[1]:
                raise ValueError(f"X has {arr.shape[1]} columns but {len(feature_names)} feature_names")
            columns = {str(f): arr[:, j] for j, f in enumerate(feature_names)}
            n = arr.shape[0]
        mask = np.ones(n, dtype=bool)
        for c in self.conditions:
            try:
                column = columns[c.feature]
            except KeyError:
                raise ValueError(f"the rule tests feature {c.feature!r}, which X does not have") from None
            mask &= c.evaluate(column.to_numpy() if hasattr(column, "to_numpy") else column)
        return mask


def _then(rule: Rule, target: str | None) -> str:
    pred = format_value(rule.prediction)
    return f"{target}={pred}" if target else pred


def format_rule_list(rules: Sequence[Rule], target: str | None = None, *, else_if_last: bool = True) -> str:
    """The ordered IF / ELSE IF / ELSE form.

    Parameters
    ----------
    rules : sequence of Rule
        In order; the first rule whose conditions hold decides.
    target : str, optional
        The target's name, printed as ``THEN target=value``.
    else_if_last : bool, default True
        When the list has no default rule, every rule after the first prints
        as ``ELSE IF`` (true) or the last one as a bare ``ELSE`` (false).

    Returns
    -------
    str
        One line per rule; a final default rule prints as ``ELSE target=value``.

    Examples
    --------
    >>> rules = [Rule((Condition("Size", "==", "small"),), "low"), Rule((), "high")]
    >>> print(format_rule_list(rules, "Price"))
    IF Size=small THEN Price=low
    ELSE Price=high
    """
    lines = []
    n = len(rules)
    for i, r in enumerate(rules):
        if r.is_default or (not else_if_last and i == n - 1 and i > 0):
            lines.append(f"ELSE {_then(r, target)}" if i else f"{_then(r, target)}")
            continue
        head = "IF" if i == 0 else "ELSE IF"
        lines.append(f"{head} {r.antecedent()} THEN {_then(r, target)}")
    return "\n".join(lines)


def format_rule_set(rules: Sequence[Rule], target: str | None = None) -> str:
    """Unordered IF rules, each with its class probabilities (or weight) and support.

    Parameters
    ----------
    rules : sequence of Rule
    target : str, optional

    Returns
    -------
    str
        One line per rule: ``IF ... THEN ...  [P(target=a)=0.80, ...; support n]``.

    Examples
    --------
    >>> r = Rule((Condition("x", ">", 1),), "a", probabilities=(0.8, 0.2), support=10, classes=("a", "b"))
    >>> print(format_rule_set([r], "y"))
    IF x > 1 THEN y=a  [P(y=a)=0.80, P(y=b)=0.20; support 10]
    """
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


def _leaf(r: Rule, target: str | None) -> str:
    return f"{_then(r, target)}  (n={r.support})"


def format_rule_tree(rules: Sequence[Rule], target: str | None = None, *, ordered: bool = True) -> str:
    """The rules drawn as a tree.

    Parameters
    ----------
    rules : sequence of Rule
    target : str, optional
    ordered : bool, default True
        True: ``rules`` is a rule list, drawn as the chain of tests it is: each
        rule's antecedent with its THEN leaf, and an ``else`` branch holding the
        rest of the list (the default rule is the leaf of the last ``else``; a
        list without a default ends at its last rule). False: ``rules`` are the
        leaves of a tree given by their paths; rules sharing leading conditions
        share branches.

    Returns
    -------
    str

    Examples
    --------
    >>> rules = [Rule((Condition("Size", "==", "small"),), "low", support=4), Rule((), "high", support=6)]
    >>> print(format_rule_tree(rules, "Price"))
    ├── Size=small
    │   └── Price=low  (n=4)
    └── else
        └── Price=high  (n=6)
    """
    if not ordered:
        lines: list[str] = []
        _tree_paths(list(rules), 0, "", target, lines)
        return "\n".join(lines)
    lines = []
    prefix = ""
    n = len(rules)
    for i, r in enumerate(rules):
        if r.is_default:
            lines.append(f"{prefix}└── {_leaf(r, target)}")
            break
        if i == n - 1:  # nothing follows: no else branch
            lines.append(f"{prefix}└── {r.antecedent()}")
            lines.append(f"{prefix}    └── {_leaf(r, target)}")
            break
        lines.append(f"{prefix}├── {r.antecedent()}")
        lines.append(f"{prefix}│   └── {_leaf(r, target)}")
        lines.append(f"{prefix}└── else")
        prefix += "    "
    return "\n".join(lines)


def _tree_paths(rules: list[Rule], depth: int, prefix: str, target: str | None, lines: list[str]) -> None:
    """Draw rules sharing their first ``depth`` conditions as the subtree below them."""
    children: list[tuple[str, Any]] = []  # ("leaf", rule) or ("node", (condition, [rules]))
    groups: dict[Condition, list[Rule]] = {}
    for r in rules:
        if r.length <= depth:
            children.append(("leaf", r))
            continue
        c = r.conditions[depth]
        if c not in groups:
            groups[c] = []
            children.append(("node", c))
        groups[c].append(r)
    for k, (kind, item) in enumerate(children):
        last = k == len(children) - 1
        branch, pad = ("└── ", "    ") if last else ("├── ", "│   ")
        if kind == "leaf":
            lines.append(f"{prefix}{branch}{_leaf(item, target)}")
        else:
            lines.append(f"{prefix}{branch}{item}")
            _tree_paths(groups[item], depth + 1, prefix + pad, target, lines)


def rules_to_frame(rules: Sequence[Rule]) -> pd.DataFrame:
    """One row per rule: its text, conditions, prediction and statistics.

    Returns
    -------
    DataFrame
        Columns ``rule`` (the antecedent text), ``n_conditions``, ``prediction``,
        ``support``, ``confidence``, ``weight``, ``probabilities`` (tuple or
        None), ``features`` (tuple of the features tested) and ``conditions``
        (the tuple of :class:`Condition` objects themselves).

    Examples
    --------
    >>> rules_to_frame([Rule((Condition("x", ">", 1),), "a", support=3)])[["rule", "support"]]
        rule  support
    0  x > 1        3
    """
    return pd.DataFrame({
        "rule": [r.antecedent() for r in rules],
        "n_conditions": [r.length for r in rules],
        "prediction": [r.prediction for r in rules],
        "support": [r.support for r in rules],
        "confidence": [r.confidence for r in rules],
        "weight": [r.weight for r in rules],
        "probabilities": [r.probabilities for r in rules],
        "features": [r.features for r in rules],
        "conditions": [r.conditions for r in rules],
    })
