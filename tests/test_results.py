"""Result types: slicing moves every field together, frames, versioned JSON round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unboxed as ub
from unboxed._results import Attribution, Effect, Effects, Importance, Interaction, Provenance


def _attr(n=4, p=3, k=2, seed=0):
    rng = np.random.default_rng(seed)
    data = np.array([[1.5, "red", None]] * n, dtype=object)[:, :p]
    return Attribution(
        values=rng.normal(size=(n, p, k)), base_values=rng.normal(size=(n, k)),
        feature_names=["age", "color", "city"][:p], output_names=["no", "yes"][:k], data=data,
        stderr=np.abs(rng.normal(size=(n, p, k))), interactions=rng.normal(size=(n, p, p, k)),
        local_score=rng.uniform(size=(n, k)), output_space="proba",
        provenance=Provenance("test", {"x": 1, "arr": np.arange(3)}, random_state=7, n_evals=10))


def test_attribution_slicing_moves_all_fields():
    a = _attr()
    s = a[1:3, ["city", "age"], "yes"]
    assert s.shape == (2, 2, 1)
    np.testing.assert_array_equal(s.values[:, 0, 0], a.values[1:3, 2, 1])
    np.testing.assert_array_equal(s.stderr[:, 1, 0], a.stderr[1:3, 0, 1])
    np.testing.assert_array_equal(s.base_values[:, 0], a.base_values[1:3, 1])
    np.testing.assert_array_equal(s.interactions[:, 0, 1, 0], a.interactions[1:3, 2, 0, 1])
    assert s.data[0, 0] is None and s.data[0, 1] == 1.5
    assert s.feature_names == ("city", "age") and s.output_names == ("yes",)
    np.testing.assert_array_equal(s.local_score[:, 0], a.local_score[1:3, 1])
    # an integer keeps the axis; a name selects a feature
    assert a[0].shape == (1, 3, 2) and a["color"].shape == (4, 1, 2)
    assert a.output("no").output_names == ("no",)
    assert [r.shape for r in a] == [(1, 3, 2)] * 4
    np.testing.assert_allclose(a.total, a.base_values + a.values.sum(axis=1))


def test_results_are_read_only_copies():
    vals = np.zeros((2, 2, 1))
    a = Attribution(vals, np.zeros((2, 1)), ["a", "b"], ["y"])
    vals[0, 0, 0] = 5.0
    assert a.values[0, 0, 0] == 0.0
    with pytest.raises(ValueError):
        a.values[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        a.values = vals  # frozen


def test_attribution_frames_and_mean_abs():
    a = _attr()
    f = a.to_frame()
    assert len(f) == 4 * 3 * 2 and {"row", "feature", "output", "value", "stderr", "feature_value"} <= set(f)
    np.testing.assert_allclose(f["value"].to_numpy(), a.values.ravel())
    w = a.to_wide("no")
    assert list(w.columns) == ["age", "color", "city"]
    imp = a.mean_abs()
    np.testing.assert_allclose(imp.values, np.abs(a.values).mean(axis=0))


def test_shape_validation():
    with pytest.raises(ValueError, match="2 feature names for 3 features"):
        Attribution(np.zeros((1, 3, 1)), np.zeros((1, 1)), ["a", "b"], ["y"])
    with pytest.raises(ValueError, match="base_values must have shape"):
        Attribution(np.zeros((2, 2, 1)), np.zeros((3, 1)), ["a", "b"], ["y"])
    with pytest.raises(KeyError, match="unknown feature 'zz'"):
        _attr()["zz"]
    with pytest.raises(IndexError):
        _attr()[10]


@pytest.mark.parametrize("make", [
    _attr,
    lambda: Importance(np.arange(6.0).reshape(3, 2), np.ones((3, 2)), ["a", "b", "c"], ["s", "t"],
                       per_repeat=np.zeros((4, 3, 2)), baseline=[0.9, 0.8], scoring="accuracy"),
    lambda: Effects((Effect(("a",), ("numeric",), (np.linspace(0, 1, 4),), np.zeros((4, 1)), ("y",),
                            individual=np.ones((5, 4, 1)), deciles=(np.arange(9.0),)),
                     Effect(("a", "b"), ("numeric", "categorical"),
                            (np.arange(3.0), np.array(["u", None], dtype=object)), np.zeros((3, 2, 1)), ("y",),
                            method="ale", lower=np.zeros((3, 2, 1)), upper=np.ones((3, 2, 1))))),
    lambda: Interaction((("a", "b"), ("c",)), np.array([[0.5], [np.nan]]), ("y",), numerator=np.ones((2, 1))),
])
def test_json_round_trip(make, tmp_path):
    r = make()
    text = r.to_json()
    d = json.loads(text)
    assert d["format"] == "unboxed.result" and d["schema_version"] == 1
    back = ub.load(text)
    assert type(back) is type(r)
    path = tmp_path / "r.json"
    r.to_json(str(path))
    back2 = type(r).from_json(str(path))
    for obj in (back, back2):
        assert obj.to_frame().equals(r.to_frame())


def test_json_versioning_and_type_checks():
    a = _attr()
    d = json.loads(a.to_json())
    d["schema_version"] = 99
    with pytest.raises(ValueError, match="schema_version 99"):
        ub.load(json.dumps(d))
    with pytest.raises(TypeError, match="holds a Attribution, not a Importance"):
        Importance.from_json(a.to_json())
    with pytest.raises(ValueError, match="not valid JSON"):
        ub.load("{nope")
    back = ub.load(a.to_json())
    assert back.provenance.params["arr"] == (0, 1, 2) and back.provenance.random_state == 7


def test_importance_ranking_and_select():
    imp = Importance(np.array([[0.1], [0.5], [0.3]]), np.zeros((3, 1)), ["a", "b", "c"], ["score"])
    assert imp.ranking() == ["b", "c", "a"]
    assert imp.sorted().feature_names == ("b", "c", "a")
    assert imp["c"].values[0, 0] == 0.3
    assert list(imp.to_frame()["feature"]) == ["b", "c", "a"]


def test_effect_select_center_and_frames():
    ind = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)
    e = Effect(("x",), ("numeric",), (np.array([0.0, 1.0, 2.0]),), ind.mean(axis=0), ("a", "b"), individual=ind)
    c = e.center()
    np.testing.assert_allclose(c.individual[:, 0], 0.0)
    np.testing.assert_allclose(c.individual.mean(axis=0), c.average)
    assert e["b"].average.shape == (3, 1) and e[[1]].n_rows == 1
    fr = e.to_frame(individual=True)
    assert len(fr) == 2 * 3 * 2
    es = Effects((e,))
    assert es["x"] is e and es[0] is e
    with pytest.raises(KeyError):
        es["nope"]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), p=st.integers(1, 4), k=st.integers(1, 3), seed=st.integers(0, 1000))
def test_attribution_round_trip_property(n, p, k, seed):
    rng = np.random.default_rng(seed)
    a = Attribution(rng.normal(size=(n, p, k)), rng.normal(size=(n, k)), [f"f{i}" for i in range(p)],
                    [f"o{i}" for i in range(k)], data=rng.normal(size=(n, p)).astype(object))
    b = ub.load(a.to_json())
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.base_values, b.base_values)
    np.testing.assert_array_equal(a.data.astype(float), b.data.astype(float))


def test_interaction_selects_by_feature_name_pair_in_either_order_and_output():
    """Issue 2: slicing by feature name moves every field (values and numerator) together."""
    pairs = (("a", "b"), ("a", "c"), ("b", "c"))
    vals = np.arange(6.0).reshape(3, 2)
    h = Interaction(pairs=pairs, values=vals, output_names=("p", "q"), numerator=vals * 10)
    sub = h["c"]
    assert sub.pairs == (("a", "c"), ("b", "c"))
    np.testing.assert_array_equal(sub.values, vals[[1, 2]])
    np.testing.assert_array_equal(sub.numerator, vals[[1, 2]] * 10)
    assert h[("c", "a")].pairs == (("a", "c"),)
    one = h["b", "q"]
    assert one.pairs == (("a", "b"), ("b", "c")) and one.output_names == ("q",)
    np.testing.assert_array_equal(one.numerator, vals[[0, 2]][:, [1]] * 10)
    assert h[1:, 0].output_names == ("p",) and len(h[1:, 0]) == 2
    assert h[["a", ("b", "c")]].pairs == pairs
    with pytest.raises(KeyError, match="unknown pair or feature"):
        h["z"]
    imp = Importance(values=vals, std=vals, feature_names=("a", "b", "c"), output_names=("p", "q"))
    np.testing.assert_array_equal(imp["b", "q"].values, [[3.0]])
