"""Tests of unboxed.plots.local (and the shared helpers in unboxed.plots._style).

Attributions are built by hand (no method is run); what is drawn is read back
from the artists. Tolerances: geometry read back from matplotlib is the stored
float, compared with ``rtol=1e-12`` / ``atol=1e-12`` (sums: ``1e-10``).
"""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from unboxed import Attribution, Importance  # noqa: E402
from unboxed.plots import _style as S  # noqa: E402
from unboxed.plots import local as L  # noqa: E402

LONG = "a_really_long_feature_name_from_a_column_transformer_pipeline"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_attr(n=60, p=6, k=2, seed=0, data=True, stderr=False, categorical=True, names=None):
    """Attribution whose outputs differ (output i = (i + 1) * base values) and mixed data."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    scale = np.linspace(2.0, 0.2, p)[rng.permutation(p)]
    base = X * scale
    vals = np.stack([base * (i + 1) * (-1) ** i for i in range(k)], axis=-1)
    d = None
    if data:
        d = X.astype(object)
        if categorical and p > 1:
            d[:, 1] = rng.choice(["car", "radio/television", "education"], size=n).astype(object)
            d[0, 1] = None
        d[1, 0] = np.nan
    return Attribution(values=vals, base_values=np.tile(np.linspace(0.2, 0.6, k), (n, 1)),
                       feature_names=names or [f"f{i}" for i in range(p)],
                       output_names=[f"o{i}" for i in range(k)], data=d,
                       stderr=np.abs(vals) * 0.1 + 0.01 if stderr else None, output_space="log_odds")


def bars(ax):
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    return list(container)


def ytick_texts(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def by_gid(items, gid):
    return [a for a in items if a.get_gid() == gid]


def snapshot(result):
    return copy.deepcopy(result.__dict__)


def same_objects(a, b):
    return a is b or a == b or (isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b))


def assert_same(result, snap):
    for key, before in snap.items():
        after = getattr(result, key)
        if isinstance(before, np.ndarray) and before.dtype == object:
            assert after.shape == before.shape and not after.flags.writeable
            assert all(same_objects(a, b) for a, b in zip(after.ravel(), before.ravel()))
        elif isinstance(before, np.ndarray):
            np.testing.assert_array_equal(after, before)
            assert not after.flags.writeable
        elif key != "provenance":
            assert after == before


# ============================================================= waterfall
def test_waterfall_ends_at_model_output():
    attr = make_attr(p=6, k=2)
    ax = L.waterfall(attr, row=3, output=0)
    b = bars(ax)
    v, base = attr.values[3, :, 0], attr.base_values[3, 0]
    assert len(b) == 6
    np.testing.assert_allclose(b[0].get_x() + b[0].get_width(), base + v.sum(), rtol=1e-10)
    np.testing.assert_allclose(b[-1].get_x(), base, rtol=1e-12)       # the bottom step starts at E[f]
    order = np.argsort(-np.abs(v), kind="stable")
    np.testing.assert_allclose([p.get_width() for p in b], v[order], rtol=1e-12)
    # each step starts where the one below it ends
    for upper, lower in zip(b[:-1], b[1:]):
        assert upper.get_x() == pytest.approx(lower.get_x() + lower.get_width(), abs=1e-12)
    # red for up, blue for down
    for p, w in zip(b, v[order]):
        assert matplotlib.colors.to_hex(p.get_facecolor()) == (S.POS if w > 0 else S.NEG)


def test_waterfall_labels_other_features_and_values():
    attr = make_attr(p=12, k=1)
    ax = L.waterfall(attr, row=5, max_display=5)
    b = bars(ax)
    v = attr.values[5, :, 0]
    order = np.argsort(-np.abs(v), kind="stable")
    labels = ytick_texts(ax)
    assert len(b) == 5 and labels[-1] == "8 other features"
    assert b[-1].get_width() == pytest.approx(v[order[4:]].sum(), abs=1e-12)
    for lab, j in zip(labels[:4], order[:4]):
        name, value = lab.split(" = ")
        assert name == f"f{j}"
        val = attr.data[5, j]
        assert value == (S.fmt_value(val))
    np.testing.assert_allclose(b[0].get_x() + b[0].get_width(), attr.total[5, 0], rtol=1e-10)
    assert "f(x) = " in ax.get_title() and "E[f(X)] = " in ax.get_title()
    assert ax.get_xlabel() == "model output (log_odds)"


def test_waterfall_default_output_is_last_and_row_selection():
    attr = make_attr(k=3)
    ax = L.waterfall(attr, row=-1)
    top = bars(ax)[0]
    np.testing.assert_allclose(top.get_x() + top.get_width(), attr.total[-1, 2], rtol=1e-10)
    assert ax.get_xlabel().endswith("[o2]")
    ax1 = L.waterfall(attr, row=2, output="o1")
    t1 = bars(ax1)[0]
    np.testing.assert_allclose(t1.get_x() + t1.get_width(), attr.total[2, 1], rtol=1e-10)


def test_waterfall_stderr_and_no_data():
    attr = make_attr(p=4, k=1, stderr=True, data=False)
    ax = L.waterfall(attr, row=0)
    errs = [c for c in ax.collections if c.get_gid() == "stderr"]
    assert len(errs) == 1
    segs = np.array(errs[0].get_segments())
    half = (segs[:, 1, 0] - segs[:, 0, 0]) / 2
    v = attr.values[0, :, 0]
    order = np.argsort(-np.abs(v), kind="stable")
    np.testing.assert_allclose(half, attr.stderr[0, order, 0], rtol=1e-10)
    assert ytick_texts(ax) == [f"f{j}" for j in order]           # no data: just names
    ax2 = L.waterfall(make_attr(p=4, k=1), row=0)
    assert not [c for c in ax2.collections if c.get_gid() == "stderr"]


def test_waterfall_one_row_one_feature_and_long_names():
    attr = Attribution(values=[[[0.25]]], base_values=[[1.0]], feature_names=[LONG], output_names=["y"],
                       data=np.array([["a_category_with_a_long_label_too"]], dtype=object))
    ax = L.waterfall(attr)
    (b,) = bars(ax)
    assert b.get_x() + b.get_width() == pytest.approx(1.25)
    (label,) = ytick_texts(ax)
    assert "…" in label and len(label) < 45


@settings(max_examples=8, deadline=None)
@given(vals=arrays(np.float64, st.integers(1, 14), elements=st.floats(-1e3, 1e3, allow_nan=False)),
       base=st.floats(-1e3, 1e3), max_display=st.integers(1, 16))
def test_waterfall_property_top_step_ends_at_total(vals, base, max_display):
    p = len(vals)
    attr = Attribution(values=vals.reshape(1, p, 1), base_values=[[base]], feature_names=[f"x{i}" for i in range(p)],
                       output_names=["y"])
    b = bars(L.waterfall(attr, max_display=max_display))
    assert len(b) == min(p, max_display)
    np.testing.assert_allclose(b[0].get_x() + b[0].get_width(), base + vals.sum(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sum(x.get_width() for x in b), vals.sum(), rtol=1e-9, atol=1e-9)
    plt.close("all")


# ================================================================= force
def test_force_segments_balance_at_output():
    attr = make_attr(p=8, k=2)
    ax = L.force(attr, row=4, output=1)
    v, base = attr.values[4, :, 1], attr.base_values[4, 1]
    fx = base + v.sum()
    up = by_gid(ax.patches, "force+")
    down = by_gid(ax.patches, "force-")
    assert len(up) == (v > 0).sum() and len(down) == (v < 0).sum()
    up_x = np.array([p.get_xy()[:, 0] for p in up])
    down_x = np.array([p.get_xy()[:, 0] for p in down])
    assert up_x.max() == pytest.approx(fx) and down_x.min() == pytest.approx(fx)
    np.testing.assert_allclose(sum(x.max() - x.min() for x in up_x), v[v > 0].sum(), rtol=1e-10)
    np.testing.assert_allclose(sum(x.max() - x.min() for x in down_x), -v[v < 0].sum(), rtol=1e-10)
    # the largest push sits next to f(x)
    first_up = up_x[0]
    assert first_up.max() == pytest.approx(fx) and first_up.max() - first_up.min() == pytest.approx(v.max())
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("f(x) = ") for t in texts) and any(t.startswith("base value = ") for t in texts)
    labels = by_gid(ax.texts, "force_label")
    assert labels and labels[0].get_text().startswith(f"f{int(np.argmax(np.abs(v)))} = ")


def test_force_one_sign_only_and_zero():
    attr = Attribution(values=[[[0.5], [0.0], [0.25]]], base_values=[[0.0]], feature_names=["a", "b", "c"],
                       output_names=["y"])
    ax = L.force(attr)
    assert len(by_gid(ax.patches, "force+")) == 2 and not by_gid(ax.patches, "force-")
    assert {t.get_text() for t in by_gid(ax.texts, "force_label")} == {"a", "c"}


# =================================================================== bar
def test_bar_mean_abs_sorted_with_other_features():
    attr = make_attr(p=10, k=2)
    ax = L.bar(attr, output=0, max_display=4)
    mean_abs = np.abs(attr.values[:, :, 0]).mean(0)
    order = np.argsort(-mean_abs, kind="stable")
    b = bars(ax)
    np.testing.assert_allclose([p.get_width() for p in b[:3]], mean_abs[order[:3]], rtol=1e-12)
    assert b[3].get_width() == pytest.approx(mean_abs[order[3:]].sum())
    assert ytick_texts(ax) == [f"f{j}" for j in order[:3]] + ["Sum of 7 other features"]


def test_bar_one_row_is_signed_with_values():
    attr = make_attr(p=5, k=2)[7]
    ax = L.bar(attr)                                    # last output
    v = attr.values[0, :, 1]
    order = np.argsort(-np.abs(v), kind="stable")
    b = bars(ax)
    np.testing.assert_allclose([p.get_width() for p in b], v[order], rtol=1e-12)
    assert all(" = " in t for t in ytick_texts(ax))
    colors = [matplotlib.colors.to_hex(p.get_facecolor()) for p in b]
    assert colors == [S.POS if w > 0 else S.NEG for w in v[order]]


# ============================================================== beeswarm
def test_beeswarm_rows_points_and_colorbar():
    attr = make_attr(n=80, p=7, k=2)
    ax = L.beeswarm(attr, output=0, max_display=5)
    pts = [c for c in ax.collections if isinstance(c, PathCollection)]
    offsets = np.vstack([c.get_offsets() for c in pts])
    assert len(offsets) == 80 * 5
    mean_abs = np.abs(attr.values[:, :, 0]).mean(0)
    order = np.argsort(-mean_abs, kind="stable")
    assert ytick_texts(ax) == [f"f{j}" for j in order[:4]] + ["Sum of 3 other features"]
    row = np.rint(offsets[:, 1]).astype(int)
    assert np.all(np.abs(offsets[:, 1] - row) <= 0.4 + 1e-12)
    for r, j in enumerate(order[:4]):
        np.testing.assert_allclose(np.sort(offsets[row == r, 0]), np.sort(attr.values[:, j, 0]), rtol=1e-12)
    np.testing.assert_allclose(np.sort(offsets[row == 4, 0]), np.sort(attr.values[:, order[4:], 0].sum(1)),
                               rtol=1e-12)
    assert len(ax.figure.axes) == 2                        # the colour bar
    # missing values (one categorical None, one NaN) are grey
    (missing,) = by_gid(ax.collections, "beeswarm_missing")
    shown = set(order[:4].tolist())
    # data[1, 0] is NaN and data[0, 1] is None; the "other features" row has no value at all
    assert len(missing.get_offsets()) == (0 in shown) + (1 in shown) + 80


def test_beeswarm_colour_follows_feature_value():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 2))
    attr = Attribution(values=np.stack([X[:, 0], X[:, 1] * 0.1], 1)[..., None], base_values=np.zeros((200, 1)),
                       feature_names=["a", "b"], output_names=["y"], data=X)
    ax = L.beeswarm(attr)
    (coll,) = by_gid(ax.collections, "beeswarm")
    off, c = coll.get_offsets(), np.asarray(coll.get_array())
    first = np.rint(off[:, 1]) == 0
    # in row "a" the attribution equals the value, so colour rises with x
    assert np.corrcoef(off[first, 0], c[first])[0, 1] > 0.9


def test_beeswarm_without_data_single_row_and_categorical():
    attr = make_attr(n=1, p=4, k=1, data=False)
    ax = L.beeswarm(attr)
    (coll,) = by_gid(ax.collections, "beeswarm")
    assert len(coll.get_offsets()) == 4 and len(ax.figure.axes) == 1     # no colour bar
    cat = make_attr(n=30, p=3, k=1)
    ax2 = L.beeswarm(cat)
    assert len(ax2.figure.axes) == 2


@settings(max_examples=25, deadline=None)
@given(X=arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 4)),
                elements=st.floats(-1e6, 1e6, allow_nan=False)),
       width=st.floats(0.05, 0.45))
def test_swarm_offsets_property(X, width):
    off = S.swarm_offsets(X, width=width)
    assert off.shape == X.shape
    assert np.all(np.abs(off) <= width + 1e-12)
    # points of a column that fall in the same bin never share a vertical position
    for j in range(X.shape[1]):
        col = X[:, j]
        lo, hi = col.min(), col.max()
        q = np.clip(np.floor(100 * (col - lo) / (hi - lo if hi > lo else 1.0)), 0, 100)
        for b in np.unique(q):
            ys = off[q == b, j]
            assert len(np.unique(ys)) == len(ys)


# ============================================================ dependence
def test_dependence_scatter_and_auto_colour_finds_interaction():
    rng = np.random.default_rng(0)
    n = 500
    X = rng.normal(size=(n, 5))
    vals = np.column_stack([X[:, 0] * X[:, 3], X[:, 1], X[:, 2], X[:, 3], X[:, 4]])
    attr = Attribution(values=vals[..., None], base_values=np.zeros((n, 1)), feature_names=list("abcde"),
                       output_names=["y"], data=X)
    ax = L.dependence(attr, "a")
    (coll,) = by_gid(ax.collections, "dependence")
    np.testing.assert_allclose(coll.get_offsets()[:, 0], X[:, 0], rtol=1e-12)
    np.testing.assert_allclose(coll.get_offsets()[:, 1], vals[:, 0], rtol=1e-12)
    assert ax.figure.axes[1].get_ylabel() == "d"                         # colour bar names the feature
    scores, threshold = S.interaction_scores(attr.data, 0, vals[:, 0])
    assert np.argmax(scores) == 3 and scores[3] > 0.5 and np.isneginf(scores[0])
    assert 0.05 <= threshold < 0.2 and np.all(scores[[1, 2, 4]] < threshold)


def test_dependence_auto_picks_categorical_interaction_and_none_for_additive():
    rng = np.random.default_rng(1)
    n = 400
    X = rng.normal(size=(n, 3)).astype(object)
    g = rng.choice(["x", "y", "z"], size=n)
    X[:, 2] = g
    x0 = X[:, 0].astype(float)
    vals = np.column_stack([x0 * np.where(g == "y", 2.0, -1.0), rng.normal(size=n), np.zeros(n)])
    attr = Attribution(values=vals[..., None], base_values=np.zeros((n, 1)), feature_names=["a", "b", "grp"],
                       output_names=["y"], data=X)
    ax = L.dependence(attr, 0)
    cb = ax.figure.axes[1]
    assert cb.get_ylabel() == "grp"
    assert [t.get_text() for t in cb.get_yticklabels()] == ["x", "y", "z"]
    additive = Attribution(values=np.column_stack([2 * x0, vals[:, 1], vals[:, 2]])[..., None],
                           base_values=np.zeros((n, 1)), feature_names=["a", "b", "grp"], output_names=["y"],
                           data=X)
    ax2 = L.dependence(additive, "a")
    assert len(ax2.figure.axes) == 1                                       # nothing explains the spread


def test_dependence_auto_colour_uses_interaction_values_when_present():
    # oracle: with Shapley interaction values attached, the colour is the argmax of mean |I[:, j, k]|
    rng = np.random.default_rng(3)
    n, p = 40, 4
    X = rng.normal(size=(n, p))
    inter = np.zeros((n, p, p, 2))
    inter[:, 0, 2, 1] = inter[:, 2, 0, 1] = 0.3 * X[:, 0]   # output 1: a-c interact
    inter[:, 0, 1, 0] = inter[:, 1, 0, 0] = 0.5 * X[:, 1]   # output 0: a-b interact
    inter[:, 0, 3, 1] = inter[:, 3, 0, 1] = 0.1 * X[:, 3]   # weaker than a-c
    for i in range(p):
        inter[:, i, i, :] = X[:, [i]]
    vals = inter.sum(axis=2)
    attr = Attribution(values=vals, base_values=np.zeros((n, 2)), feature_names=list("abcd"),
                       output_names=["o0", "o1"], data=X, interactions=inter)
    assert L.dependence(attr, "a", output="o1").figure.axes[1].get_ylabel() == "c"
    plt.close("all")
    assert L.dependence(attr, "a", output="o0").figure.axes[1].get_ylabel() == "b"
    plt.close("all")
    no_inter = dict(inter=np.where(np.eye(p, dtype=bool)[None, :, :, None], inter, 0.0))
    flat = Attribution(values=vals, base_values=np.zeros((n, 2)), feature_names=list("abcd"),
                       output_names=["o0", "o1"], data=X, interactions=no_inter["inter"])
    assert len(L.dependence(flat, "a", output="o1").figure.axes) == 1   # no interaction: one colour
    plt.close("all")


def test_dependence_named_colour_none_and_categorical_x():
    attr = make_attr(n=90, p=4, k=2)
    ax = L.dependence(attr, "f1", color="f2", output=0)
    assert ax.figure.axes[1].get_ylabel() == "f2"
    pts = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    assert len(pts) == 90                                                   # the missing category is shown
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["car", "education", "radio/television", "missing"]
    codes, cats = S.encode_column(attr.data[:, 1])
    codes = np.where(np.isnan(codes), 3, codes)
    (coll,) = by_gid(ax.collections, "dependence")
    off = coll.get_offsets()
    # jittered around the category positions, y is the attribution of f1 (output o0)
    order = np.lexsort((attr.values[:, 1, 0],))
    np.testing.assert_allclose(np.sort(off[:, 1]), attr.values[order, 1, 0], rtol=1e-12)
    assert np.all(np.abs(off[:, 0] - np.rint(off[:, 0])) <= 0.2)
    assert set(np.rint(off[:, 0]).astype(int)) <= {0, 1, 2, 3}
    ax2 = L.dependence(attr, 0, color=None)
    assert len(ax2.figure.axes) == 1
    assert "1 rows with a missing value not shown" in ax2.get_title()


def test_dependence_bad_inputs():
    with pytest.raises(ValueError, match="no data"):
        L.dependence(make_attr(data=False), "f0")
    with pytest.raises(ValueError, match="feature 'zz' is not one of"):
        L.dependence(make_attr(), "zz")
    with pytest.raises(ValueError, match="color feature position 9 is out of range"):
        L.dependence(make_attr(), "f0", color=9)
    with pytest.raises(TypeError, match="feature must be a feature name or position"):
        L.dependence(make_attr(), 1.5)


# =============================================================== heatmap
def test_heatmap_image_output_line_and_colorbar():
    attr = make_attr(n=40, p=6, k=2)
    ax = L.heatmap(attr, order="output", max_display=4, output=0)
    (im,) = [i for i in ax.images if isinstance(i, AxesImage)]
    V = attr.values[:, :, 0]
    total = attr.total[:, 0]
    rows = np.argsort(total, kind="stable")
    feat = np.argsort(-np.abs(V).mean(0), kind="stable")
    expected = np.column_stack([V[:, feat[:3]], V[:, feat[3:]].sum(1)])[rows].T
    np.testing.assert_allclose(im.get_array(), expected, rtol=1e-12)
    assert im.norm.vmin == pytest.approx(-im.norm.vmax)                   # centred at 0
    (line,) = [ln for ln in ax.child_axes[0].lines if ln.get_gid() == "output"]
    np.testing.assert_allclose(line.get_ydata(), total[rows], rtol=1e-12)
    assert ytick_texts(ax) == [f"f{j}" for j in feat[:3]] + ["Sum of 3 other features"]
    assert im.colorbar is not None


def test_heatmap_orders():
    attr = make_attr(n=25, p=3, k=1)
    ax = L.heatmap(attr, order=None)
    (im,) = ax.images
    V = attr.values[:, :, 0]
    feat = np.argsort(-np.abs(V).mean(0), kind="stable")
    np.testing.assert_allclose(im.get_array(), V[:, feat].T)
    ax2 = L.heatmap(attr, order="hclust")
    got = np.asarray(ax2.images[0].get_array())
    # hclust only permutes the rows: every column is one of the rows
    cols = {tuple(np.round(c, 12)) for c in V[:, feat]}
    assert {tuple(np.round(c, 12)) for c in got.T} == cols
    perm = np.arange(25)[::-1]
    np.testing.assert_allclose(L.heatmap(attr, order=perm).images[0].get_array(), V[perm][:, feat].T)
    with pytest.raises(ValueError, match="order must be one of"):
        L.heatmap(attr, order="random")
    with pytest.raises(ValueError, match="permutation"):
        L.heatmap(attr, order=np.zeros(25, dtype=int))
    one = L.heatmap(attr[0])
    assert one.images[0].get_array().shape == (3, 1)


def test_heatmap_many_rows_uses_projection_order():
    attr = make_attr(n=2100, p=3, k=1, data=False)
    ax = L.heatmap(attr)
    got = np.asarray(ax.images[0].get_array())
    assert got.shape == (3, 2100)
    V = attr.values[:, :, 0]
    feat = np.argsort(-np.abs(V).mean(0), kind="stable")
    # a permutation of the rows ...
    want = V[:, feat]
    np.testing.assert_array_equal(got.T[np.lexsort(got[::-1])], want[np.lexsort(want.T[::-1])])
    # ... ordered along one direction: the projection on the leading principal axis is monotone
    Z = got.T - got.T.mean(0)
    lead = np.linalg.svd(Z, full_matrices=False)[2][0]
    proj = Z @ lead
    steps = np.diff(proj)
    assert np.all(steps >= -1e-9) or np.all(steps <= 1e-9)


# ============================================================== decision
def test_decision_paths_from_base_to_output():
    attr = make_attr(n=30, p=7, k=2)
    ax = L.decision(attr, rows=slice(0, 12), max_display=5)     # last output
    (lc,) = by_gid(ax.collections, "decision")
    segs = lc.get_segments()
    assert len(segs) == 12
    start = np.array([s[0, 0] for s in segs])
    end = np.array([s[-1, 0] for s in segs])
    np.testing.assert_allclose(start, attr.base_values[:12, 1], rtol=1e-12)
    np.testing.assert_allclose(end, attr.total[:12, 1], rtol=1e-10)
    V = attr.values[:12, :, 1]
    feat = np.argsort(-np.abs(V).mean(0), kind="stable")
    assert ytick_texts(ax) == ["3 other features"] + [f"f{j}" for j in feat[:4][::-1]]
    # the first step adds the summed rest, the last the most important feature
    np.testing.assert_allclose([s[1, 0] - s[0, 0] for s in segs], V[:, feat[4:]].sum(1), atol=1e-12)
    np.testing.assert_allclose([s[-1, 0] - s[-2, 0] for s in segs], V[:, feat[0]], atol=1e-12)
    assert len(ax.figure.axes) == 2


def test_decision_row_selections():
    attr = make_attr(n=10, p=3, k=1)
    mask = np.zeros(10, dtype=bool)
    mask[[1, 4]] = True
    for rows, count in [(None, 10), (3, 1), ([0, 2, 5], 3), (mask, 2), (slice(None, None, 2), 5)]:
        (lc,) = by_gid(L.decision(attr, rows=rows).collections, "decision")
        assert len(lc.get_segments()) == count
        plt.close("all")
    one = L.decision(attr, rows=3)
    assert all(" = " in t for t in ytick_texts(one)) and "f(x) = " in one.get_title()
    with pytest.raises(ValueError, match="out of range"):
        L.decision(attr, rows=[0, 10])
    with pytest.raises(ValueError, match="no row"):
        L.decision(attr, rows=slice(5, 5))
    with pytest.raises(ValueError, match="boolean rows mask"):
        L.decision(attr, rows=np.ones(3, dtype=bool))


# ============================================================ bad inputs
ALL = [
    ("waterfall", {}), ("force", {}), ("bar", {}), ("beeswarm", {}), ("heatmap", {}), ("decision", {}),
]


@pytest.mark.parametrize("name, kw", ALL)
def test_bad_inputs_common(name, kw):
    fn = getattr(L, name)
    imp = Importance(values=[[1.0]], std=[[0.0]], feature_names=["a"], output_names=["y"])
    with pytest.raises(TypeError, match=f"{name}\\(\\) takes an unboxed Attribution result, got .*Importance"):
        fn(imp)
    with pytest.raises(ValueError, match="output 'nope' is not one of the result's outputs"):
        fn(make_attr(), output="nope")
    with pytest.raises(ValueError, match="out of range"):
        fn(make_attr(k=2), output=2)
    vals = np.array(make_attr(k=1).values)
    vals[3, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"Attribution.values must be finite, found .*nan.* at index \(3, 2\)"):
        fn(Attribution(values=vals, base_values=np.zeros((60, 1)), feature_names=[f"f{i}" for i in range(6)],
                       output_names=["y"]))
    inf_base = Attribution(values=np.zeros((2, 2, 1)), base_values=[[np.inf], [0.0]], feature_names=["a", "b"],
                           output_names=["y"])
    with pytest.raises(ValueError, match="base_values must be finite"):
        fn(inf_base)
    empty = Attribution(values=np.zeros((0, 3, 1)), base_values=np.zeros((0, 1)), feature_names=list("abc"),
                        output_names=["y"])
    with pytest.raises(ValueError, match="at least one row"):
        fn(empty)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        fn(make_attr(), ax=np.zeros(2))
    if "max_display" in fn.__code__.co_varnames:
        with pytest.raises(ValueError, match="max_display must be an integer >= 1"):
            fn(make_attr(), max_display=0)


@pytest.mark.parametrize("name", ["waterfall", "force"])
def test_bad_row(name):
    fn = getattr(L, name)
    with pytest.raises(ValueError, match="row 60 is out of range for an Attribution with 60 row"):
        fn(make_attr(), row=60)
    with pytest.raises(TypeError, match="row must be an integer"):
        fn(make_attr(), row="0")


# ====================================================== result unchanged
def test_attribution_is_not_modified():
    attr = make_attr(n=40, p=6, k=2, stderr=True)
    snap = snapshot(attr)
    L.waterfall(attr, row=2)
    L.force(attr, row=2)
    L.bar(attr)
    L.beeswarm(attr)
    L.dependence(attr, "f0")
    L.dependence(attr, "f1", color="f0")
    L.heatmap(attr)
    L.decision(attr)
    assert_same(attr, snap)


def test_draw_on_given_axes_returns_it():
    fig, axs = plt.subplots(1, 2)
    assert L.bar(make_attr(), ax=axs[1]) is axs[1]
    assert L.waterfall(make_attr(), ax=axs[0]) is axs[0]


# ====================================================== style helpers
def test_style_helpers():
    assert S.shorten("abc", 5) == "abc" and S.shorten("abcdefgh", 5) == "abcd…"
    assert S.fmt_number(0.123456) == "0.123"
    assert S.fmt_number(123456.7) == "123,457"
    assert S.fmt_number(-2.5e-5) == "\u22122.5e-05"
    assert S.fmt_number(3.0, sign=True) == "+3" and S.fmt_number(0.0, sign=True) == "0"
    assert S.fmt_number(1.5e9) == "1.5e+09"
    assert S.fmt_value(1998) == "1998" and S.fmt_value(25000.0) == "25,000" and S.fmt_value(-3) == "\u22123"
    assert S.fmt_value(None) == "missing" and S.fmt_value(np.nan) == "missing" and S.fmt_value(True) == "True"
    assert S.fmt_value(0.333333) == "0.3333"
    assert S.resolve_output(("a", "b"), None) == 1 and S.resolve_output(("a", "b"), "a") == 0
    assert S.resolve_output(("a", "b"), -2) == 0
    with pytest.raises(TypeError):
        S.resolve_output(("a", "b"), True)
    codes, cats = S.encode_column(np.array(["b", None, "a", "b"], dtype=object))
    np.testing.assert_array_equal(codes, [1, np.nan, 0, 1])
    assert list(cats) == ["a", "b"]
    vals, cats = S.encode_column(np.array([1, 2.5, None, 4], dtype=object))
    assert cats is None and np.isnan(vals[2]) and vals[1] == 2.5
    c = S.color_scale(np.array([0.0, 5.0, 10.0, np.nan]), None)
    assert c[0] == 0.0 and c[2] == 1.0 and np.isnan(c[3])


# ================================================================== PNGs
@pytest.mark.parametrize("name, draw", [
    ("waterfall", lambda a: L.waterfall(a, row=1)),
    ("force", lambda a: L.force(a, row=1)),
    ("bar", lambda a: L.bar(a)),
    ("beeswarm", lambda a: L.beeswarm(a)),
    ("dependence", lambda a: L.dependence(a, 0)),
    ("heatmap", lambda a: L.heatmap(a)),
    ("decision", lambda a: L.decision(a)),
])
def test_png(tmp_path, name, draw):
    attr = make_attr(n=50, p=8, k=2, stderr=True, names=[LONG] + [f"f{i}" for i in range(1, 8)])
    ax = draw(attr)
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=45)
    assert path.stat().st_size > 5_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
