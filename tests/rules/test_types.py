"""Rules as data: Condition semantics, Rule coverage and the three printed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unboxed.rules import (Condition, Rule, format_rule_list, format_rule_set, format_rule_tree,
                           rules_to_frame)
from unboxed.rules._types import OPS, format_value


# ----------------------------------------------------------------- Condition
@pytest.mark.parametrize("cond, text", [
    (Condition("age", "<=", 25), "age <= 25"),
    (Condition("age", ">", 40.5), "age > 40.5"),
    (Condition("Size", "==", "small"), "Size=small"),
    (Condition("Size", "!=", "small"), "Size≠small"),
    (Condition("color", "in", ("red", "blue")), "color in {red, blue}"),
    (Condition("color", "not in", ["red"]), "color not in {red}"),
    (Condition("age", "in", pd.Interval(25, 40, closed="right")), "age in (25, 40]"),
    (Condition("age", "in", pd.Interval(25.5, 40, closed="left")), "age in [25.5, 40)"),
    (Condition("income", "is missing"), "income is missing"),
    (Condition("flag", "==", True), "flag=True"),
])
def test_condition_text(cond, text):
    assert str(cond) == text


def test_condition_numeric_ops_and_missing():
    x = np.array([1.0, 2.0, 3.0, np.nan])
    np.testing.assert_array_equal(Condition("x", "<=", 2).evaluate(x), [True, True, False, False])
    np.testing.assert_array_equal(Condition("x", "<", 2).evaluate(x), [True, False, False, False])
    np.testing.assert_array_equal(Condition("x", ">", 2).evaluate(x), [False, False, True, False])
    np.testing.assert_array_equal(Condition("x", ">=", 2).evaluate(x), [False, True, True, False])
    np.testing.assert_array_equal(Condition("x", "is missing").evaluate(x), [False, False, False, True])
    iv = pd.Interval(1, 3, closed="right")
    np.testing.assert_array_equal(Condition("x", "in", iv).evaluate(x), [False, True, True, False])
    np.testing.assert_array_equal(Condition("x", "not in", iv).evaluate(x), [True, False, False, False])


def test_condition_categories():
    col = pd.Series(["a", "b", None, "c"], dtype="category")
    np.testing.assert_array_equal(Condition("s", "==", "a").evaluate(col), [True, False, False, False])
    np.testing.assert_array_equal(Condition("s", "!=", "a").evaluate(col), [False, True, False, True])
    np.testing.assert_array_equal(Condition("s", "in", ("a", "c")).evaluate(col), [True, False, False, True])
    np.testing.assert_array_equal(Condition("s", "not in", ("a",)).evaluate(col), [False, True, False, True])
    np.testing.assert_array_equal(Condition("s", "is missing").evaluate(col), [False, False, True, False])
    # numbers stored as objects still match a numeric category
    np.testing.assert_array_equal(Condition("n", "==", 2).evaluate(np.array([2, 3.0, "2"], dtype=object)),
                                  [True, False, False])


def test_condition_rejects_bad_ops_and_values():
    with pytest.raises(ValueError, match="op must be one of"):
        Condition("x", "=>", 1)
    with pytest.raises(TypeError, match="tuple of categories or a pandas.Interval"):
        Condition("x", "in", "abc")
    with pytest.raises(TypeError, match="compares with a number"):
        Condition("x", "<=", "ten")
    with pytest.raises(ValueError, match="takes no value"):
        Condition("x", "is missing", 3)
    assert "is missing" in OPS


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=1, max_size=30),
       lo=st.floats(-1e6, 1e6), width=st.floats(0, 1e6),
       closed=st.sampled_from(["left", "right", "both", "neither"]))
def test_interval_in_and_not_in_partition_present_values(values, lo, width, closed):
    x = np.array(values)
    iv = pd.Interval(lo, lo + width, closed=closed)
    inside = Condition("x", "in", iv).evaluate(x)
    outside = Condition("x", "not in", iv).evaluate(x)
    present = ~np.isnan(x)
    np.testing.assert_array_equal(inside | outside, present)
    assert not np.any(inside & outside)
    expected = np.array([v in iv for v in values])  # pandas' own membership test is the oracle
    np.testing.assert_array_equal(inside, expected & present)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-100, 100), st.just(float("nan"))), min_size=1, max_size=30),
       t=st.floats(-100, 100))
def test_threshold_ops_match_numpy_and_split_present_values(values, t):
    x = np.array(values)
    le = Condition("x", "<=", t).evaluate(x)
    gt = Condition("x", ">", t).evaluate(x)
    present = ~np.isnan(x)
    np.testing.assert_array_equal(le, np.less_equal(x, t, where=present, out=np.zeros(x.size, bool)))
    np.testing.assert_array_equal(le | gt, present)
    assert not np.any(le & gt)


# ---------------------------------------------------------------------- Rule
def test_rule_covers_frame_dict_and_array():
    r = Rule((Condition("a", ">", 1), Condition("b", "==", "x")), prediction="yes")
    frame = pd.DataFrame({"a": [0, 2, 3], "b": ["x", "x", "y"]})
    np.testing.assert_array_equal(r.covers(frame), [False, True, False])
    np.testing.assert_array_equal(r.covers({"a": [0, 2, 3], "b": ["x", "x", "y"]}), [False, True, False])
    arr = np.array([[0, "x"], [2, "x"], [3, "y"]], dtype=object)
    np.testing.assert_array_equal(r.covers(arr, feature_names=["a", "b"]), [False, True, False])
    assert Rule().covers(frame).all()
    assert r.features == ("a", "b") and r.length == 2 and not r.is_default
    with pytest.raises(ValueError, match="feature 'a'"):
        r.covers(pd.DataFrame({"b": ["x"]}))
    with pytest.raises(TypeError, match="Condition objects"):
        Rule(("a > 1",))


def test_rule_is_frozen_and_comparable():
    r = Rule((Condition("a", ">", 1),), prediction=1, support=3, classes=(0, 1))
    assert r == Rule((Condition("a", ">", 1),), prediction=1, support=3, classes=("other",))
    with pytest.raises(AttributeError):
        r.prediction = 2  # type: ignore[misc]
    assert {r: 1}[r] == 1  # hashable


# -------------------------------------------------------------- the 3 forms
SMALL = Condition("Size", "==", "small")
MEDIUM = Condition("Size", "==", "medium")
BIG = Condition("Size", "==", "big")


def _price_rules(default: bool):
    rules = [Rule((SMALL,), "low", support=4), Rule((MEDIUM,), "medium", support=4)]
    rules.append(Rule((), "high", support=2) if default else Rule((BIG,), "high", support=2))
    return rules


def test_rule_list_text():
    assert format_rule_list(_price_rules(False), "Price") == (
        "IF Size=small THEN Price=low\nELSE IF Size=medium THEN Price=medium\nELSE IF Size=big THEN Price=high")
    assert format_rule_list(_price_rules(True), "Price") == (
        "IF Size=small THEN Price=low\nELSE IF Size=medium THEN Price=medium\nELSE Price=high")
    assert format_rule_list(_price_rules(False), "Price", else_if_last=False).splitlines()[-1] == "ELSE Price=high"
    assert format_rule_list([Rule((), "a")]) == "a"


def test_rule_set_text():
    r = Rule((SMALL,), "low", probabilities=(0.25, 0.75), support=4, classes=("high", "low"))
    assert format_rule_set([r], "Price") == ("IF Size=small THEN Price=low  "
                                             "[P(Price=high)=0.25, P(Price=low)=0.75; support 4]")
    w = Rule((SMALL,), 0.5, support=7, weight=-1.25)
    assert format_rule_set([w]) == "IF Size=small THEN 0.5  [weight -1.25; support 7]"


def test_rule_tree_text_else_branches_are_indented_under_else():
    expected = "\n".join([
        "├── Size=small",
        "│   └── Price=low  (n=4)",
        "└── else",
        "    ├── Size=medium",
        "    │   └── Price=medium  (n=4)",
        "    └── else",
        "        └── Price=high  (n=2)",
    ])
    assert format_rule_tree(_price_rules(True), "Price") == expected
    expected_no_default = "\n".join([
        "├── Size=small",
        "│   └── Price=low  (n=4)",
        "└── else",
        "    ├── Size=medium",
        "    │   └── Price=medium  (n=4)",
        "    └── else",
        "        └── Size=big",
        "            └── Price=high  (n=2)",
    ])
    assert format_rule_tree(_price_rules(False), "Price") == expected_no_default


def test_rule_tree_from_paths_shares_branches():
    lo, hi = Condition("x", "<=", 3), Condition("x", ">", 3)
    a, na = Condition("s", "==", "a"), Condition("s", "!=", "a")
    leaves = [Rule((lo, a), 1, support=5), Rule((lo, na), 0, support=3), Rule((hi,), 1, support=9)]
    expected = "\n".join([
        "├── x <= 3",
        "│   ├── s=a",
        "│   │   └── 1  (n=5)",
        "│   └── s≠a",
        "│       └── 0  (n=3)",
        "└── x > 3",
        "    └── 1  (n=9)",
    ])
    assert format_rule_tree(leaves, ordered=False) == expected


def test_rules_to_frame():
    frame = rules_to_frame(_price_rules(True))
    assert list(frame["rule"]) == ["Size=small", "Size=medium", "TRUE"]
    assert list(frame["n_conditions"]) == [1, 1, 0]
    assert list(frame["support"]) == [4, 4, 2]
    assert frame["conditions"][0] == (SMALL,)
    assert {"prediction", "confidence", "weight", "probabilities", "features"} <= set(frame.columns)


def test_format_value():
    assert format_value(3.0) == "3" and format_value(np.int64(4)) == "4"
    assert format_value(0.123456) == "0.1235"
    assert format_value(True) == "True"
    assert format_value(frozenset({"b", "a"})) == "{a, b}"
    assert format_value(None) == "missing"
    assert format_value(float("inf")) == "inf"


# ------------------------------------------------------- robustness sweep regressions
def test_format_value_keeps_every_integer_digit_of_a_threshold():
    # a midpoint threshold 10331.5 printed as 1.033e+04 (= 10330) misstated the rule for credit_amount=10331
    assert format_value(10331.5) == "10331.5"
    assert format_value(1585.5) == "1585.5"
    assert format_value(999.95) == "999.95"  # not rounded up to the integer 1000
    assert format_value(0.123456) == "0.1235"  # small numbers keep 4 significant digits
    for v in (10331.5, 1585.5, 123456.75, 999.95, 0.99996):
        c = Condition("x", "<=", v)
        printed = float(str(c).split(" <= ")[1])
        # the printed threshold splits the integers (and the value itself) the same way as the real one
        x = np.array([np.floor(v), np.ceil(v)])
        np.testing.assert_array_equal(x <= printed, c.evaluate(x))


def test_in_with_none_matches_missing_values():
    col = pd.Series(["a", "b", None, "c"], dtype=object)
    np.testing.assert_array_equal(Condition("s", "in", ("b", None)).evaluate(col), [False, True, True, False])
    np.testing.assert_array_equal(Condition("s", "not in", ("b", None)).evaluate(col), [True, False, False, True])
    assert str(Condition("s", "in", ("b", None))) == "s in {b, missing}"


def test_compiled_in_with_none_agrees_with_condition():
    from unboxed._data import Schema
    from unboxed.rules._base import rule_coverage
    X = pd.DataFrame({"s": pd.Series(["a", "b", None, "c", "b"], dtype=object)})
    schema = Schema.from_data(X, categorical_features=None)
    rules = [Rule((Condition("s", "in", ("b", None)),), 1), Rule((Condition("s", "not in", ("b", None)),), 0)]
    cov = rule_coverage(rules, schema, schema.encode(X))
    np.testing.assert_array_equal(cov, np.column_stack([r.covers(X) for r in rules]))
