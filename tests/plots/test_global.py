"""Tests of unboxed.plots.global_: the pictures are read back from their artists.

Results are built by hand (no method is run). Tolerances: geometry read back
from matplotlib artists is compared with ``rtol=1e-12`` (it is the stored float).
"""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection, QuadMesh  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from unboxed import Effect, Effects, Importance, Interaction  # noqa: E402
from unboxed.plots import global_ as G  # noqa: E402

LONG = "a_really_long_feature_name_from_a_column_transformer_pipeline"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -------------------------------------------------------------- builders
def make_importance(p=6, k=2, repeats=5, seed=0, names=None):
    rng = np.random.default_rng(seed)
    per = rng.gamma(2.0, 0.02, size=(repeats, p, k)) * np.linspace(3, 0.2, p)[None, :, None]
    per = per[:, rng.permutation(p)]
    return Importance(values=per.mean(0), std=per.std(0), per_repeat=per,
                      feature_names=names or [f"f{i}" for i in range(p)],
                      output_names=[f"o{i}" for i in range(k)], baseline=np.linspace(0.8, 0.9, k),
                      scoring="accuracy")


def make_pdp(n=150, g=12, k=2, seed=0, ice=True, deciles=True, name="age"):
    rng = np.random.default_rng(seed)
    grid = np.linspace(18, 75, g)
    ind = rng.normal(size=(n, g, k)).cumsum(axis=1) * 0.05 + np.arange(k)
    return Effect(features=[name], kinds=["numeric"], grid=[grid], average=ind.mean(0),
                  individual=ind if ice else None, output_names=[f"o{i}" for i in range(k)],
                  deciles=(np.quantile(grid, np.linspace(0.1, 0.9, 9)),) if deciles else None)


def make_pdp_cat(n=40, k=1, seed=1):
    rng = np.random.default_rng(seed)
    labels = np.array(["car", "radio/television", "furniture/equipment", "business"], dtype=object)
    ind = rng.normal(size=(n, 4, k))
    return Effect(features=["purpose"], kinds=["categorical"], grid=[labels], average=ind.mean(0),
                  individual=ind, counts=[10, 20, 30, 40], output_names=[f"o{i}" for i in range(k)])


def make_pdp_2d(kinds=("numeric", "numeric"), k=2, method="pdp"):
    g1 = np.linspace(0, 1, 6) if kinds[0] == "numeric" else np.array(["a", "b", "c"], dtype=object)
    g2 = np.linspace(-1, 1, 5) if kinds[1] == "numeric" else np.array(["u", "v"], dtype=object)
    a = np.arange(len(g1) * len(g2) * k, dtype=float).reshape(len(g1), len(g2), k)
    a = a - a.mean() if method == "ale" else a
    return Effect(features=["x1", "x2"], kinds=list(kinds), grid=[g1, g2], average=a,
                  output_names=[f"o{i}" for i in range(k)], method=method)


def make_ale(k=1, band=True, counts=True):
    edges = np.array([0.0, 0.5, 1.5, 2.0, 3.5, 5.0])
    avg = np.stack([np.sin(edges) + i for i in range(k)], -1)
    return Effect(features=["income"], kinds=["numeric"], grid=[edges], average=avg,
                  lower=avg - 0.1 if band else None, upper=avg + 0.2 if band else None,
                  counts=[5, 10, 20, 10, 5] if counts else None,
                  output_names=[f"o{i}" for i in range(k)], method="ale")


def make_ale_cat(k=2):
    labels = np.array(["low", "mid", "high"], dtype=object)
    avg = np.arange(3 * k, dtype=float).reshape(3, k) - 2
    return Effect(features=["level"], kinds=["categorical"], grid=[labels], average=avg,
                  lower=avg - 0.5, upper=avg + 0.25, counts=[3, 4, 5],
                  output_names=[f"o{i}" for i in range(k)], method="ale")


def make_interaction(k=2):
    pairs = [("a", "b"), ("a", "c"), ("b", "c"), ("a",), (LONG,)]
    vals = np.array([[0.1, 0.5], [0.7, 0.05], [0.3, 0.2], [0.02, 0.9], [0.5, 0.1]])[:, :k]
    return Interaction(pairs=pairs, values=vals, output_names=[f"o{i}" for i in range(k)])


def bars(ax):
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    return container


def ytick_texts(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def gid_collections(ax, gid):
    return [c for c in ax.collections if c.get_gid() == gid]


def gid_lines(ax, gid):
    return [ln for ln in ax.lines if ln.get_gid() == gid]


def snapshot(result):
    """A deep copy of every array field of a result (to check it is unchanged)."""
    return copy.deepcopy(result.__dict__)


def assert_same(result, snap):
    for key, before in snap.items():
        after = getattr(result, key)
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(after, before)
            assert not after.flags.writeable
        elif isinstance(before, tuple) and before and isinstance(before[0], np.ndarray):
            for a, b in zip(after, before):
                np.testing.assert_array_equal(a, b)
        elif key != "provenance":
            assert after == before


# ============================================================ importance
def test_importance_bars_sorted_with_error_bars():
    imp = make_importance()
    ax = G.importance(imp, output=0)
    order = np.argsort(-imp.values[:, 0], kind="stable")
    assert ytick_texts(ax) == [imp.feature_names[i] for i in order]
    widths = np.array([p.get_width() for p in bars(ax)])
    np.testing.assert_allclose(widths, imp.values[order, 0], rtol=1e-12)
    # error bars: one horizontal segment per bar, half-length = std
    err = bars(ax).errorbar.lines[2][0].get_segments()
    half = np.array([(s[1, 0] - s[0, 0]) / 2 for s in err])
    np.testing.assert_allclose(half, imp.std[order, 0], rtol=1e-10)
    assert "baseline accuracy = 0.8" in ax.get_title()


def test_importance_default_output_is_last_and_names_it():
    imp = make_importance(k=3)
    ax = G.importance(imp)
    widths = np.array([p.get_width() for p in bars(ax)])
    np.testing.assert_allclose(widths, np.sort(imp.values[:, 2])[::-1], rtol=1e-12)
    assert "o2" in ax.get_title()
    ax1 = G.importance(imp, output="o1")
    widths1 = np.array([p.get_width() for p in bars(ax1)])
    np.testing.assert_allclose(widths1, np.sort(imp.values[:, 1])[::-1], rtol=1e-12)
    ax2 = G.importance(imp, output=-3)
    np.testing.assert_allclose([p.get_width() for p in bars(ax2)], np.sort(imp.values[:, 0])[::-1])


def test_importance_max_display_and_long_names():
    names = [f"f{i}" for i in range(30)]
    names[0] = LONG
    imp = make_importance(p=30, k=1, names=names)
    ax = G.importance(imp, max_display=7)
    assert len(bars(ax)) == 7
    labels = ytick_texts(ax)
    assert all(len(t) <= 32 for t in labels)
    assert "top 7 of 30 features" in ax.get_title()
    if LONG in [imp.feature_names[i] for i in np.argsort(-imp.values[:, 0])[:7]]:
        assert any(t.endswith("…") for t in labels)


def test_importance_box_plot_of_repeats():
    imp = make_importance(p=5, k=1)
    ax = G.importance(imp, kind="box", max_display=4)
    order = np.argsort(-imp.values[:, 0], kind="stable")[:4]
    medians = [ln for ln in ax.lines if ln.get_color() == "#222222"]
    assert len(medians) == 4
    got = [np.mean(ln.get_xdata()) for ln in medians]
    np.testing.assert_allclose(got, np.median(imp.per_repeat[:, order, 0], axis=0), rtol=1e-12)
    assert ytick_texts(ax) == [imp.feature_names[i] for i in order]


def test_importance_box_needs_per_repeat_and_single_output():
    imp = Importance(values=[[0.3], [0.1]], std=[[0.0], [0.0]], feature_names=["a", "b"], output_names=["r2"])
    with pytest.raises(ValueError, match="per_repeat"):
        G.importance(imp, kind="box")
    ax = G.importance(imp)
    assert ax.get_title() == ""            # one output, no baseline, nothing left out
    assert bars(ax).errorbar is None


@pytest.mark.parametrize("kwargs, exc, msg", [
    ({"kind": "violin"}, ValueError, "kind must be one of"),
    ({"max_display": 0}, ValueError, "max_display"),
    ({"max_display": 2.5}, TypeError, "max_display"),
    ({"output": "nope"}, ValueError, "output 'nope' is not one of"),
    ({"output": 5}, ValueError, "out of range"),
    ({"output": 1.0}, TypeError, "output must be"),
    ({"ax": "axes"}, TypeError, "ax must be a matplotlib Axes"),
])
def test_importance_bad_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        G.importance(make_importance(), **kwargs)


def test_importance_bad_inputs():
    with pytest.raises(TypeError, match="takes an unboxed Importance result, got numpy array"):
        G.importance(np.ones((3, 1)))
    nan = Importance(values=[[np.nan], [0.1]], std=[[0.0], [0.0]], feature_names=["a", "b"], output_names=["y"])
    with pytest.raises(ValueError, match="Importance.values must be finite"):
        G.importance(nan)
    empty = Importance(values=np.zeros((0, 1)), std=np.zeros((0, 1)), feature_names=[], output_names=["y"])
    with pytest.raises(ValueError, match="at least one feature"):
        G.importance(empty)


def test_importance_draws_on_given_axes():
    fig, ax = plt.subplots()
    out = G.importance(make_importance(), ax=ax)
    assert out is ax and len(fig.axes) == 1


# ==================================================== partial dependence
def test_pdp_ice_capped_and_seeded():
    e = make_pdp(n=150)
    ax = G.partial_dependence(e, max_ice=40, output=0)
    ice = gid_collections(ax, "ice")
    assert len(ice) == 1 and len(ice[0].get_segments()) == 40
    segs = np.array(ice[0].get_segments())
    # every ICE line drawn is one of the Effect's rows
    rows = e.individual[:, :, 0]
    for s in segs:
        assert np.any(np.all(np.isclose(rows, s[:, 1], rtol=0, atol=0), axis=1))
    np.testing.assert_array_equal(segs[0][:, 0], e.grid[0])
    again = np.array(gid_collections(G.partial_dependence(e, max_ice=40, output=0), "ice")[0].get_segments())
    np.testing.assert_array_equal(again, segs)
    other = np.array(gid_collections(G.partial_dependence(e, max_ice=40, output=0, random_state=7),
                                     "ice")[0].get_segments())
    assert not np.array_equal(other, segs)


def test_pdp_all_ice_when_few_rows_and_average_line():
    e = make_pdp(n=30, k=2)
    ax = G.partial_dependence(e)                      # default max_ice=100, output = last
    assert len(gid_collections(ax, "ice")[0].get_segments()) == 30
    (line,) = gid_lines(ax, "pdp")
    np.testing.assert_allclose(line.get_ydata(), e.average[:, 1], rtol=1e-12)
    np.testing.assert_allclose(line.get_xdata(), e.grid[0], rtol=1e-12)
    assert ax.get_ylabel() == "partial dependence [o1]"
    (rug,) = gid_collections(ax, "deciles")
    np.testing.assert_allclose([s[0, 0] for s in rug.get_segments()], e.deciles[0], rtol=1e-12)


def test_pdp_rug_does_not_stretch_y_axis():
    e = make_pdp(n=20, k=1)
    e = Effect(features=e.features, kinds=e.kinds, grid=e.grid, average=e.average + 1e5,
               individual=e.individual + 1e5, output_names=e.output_names, deciles=e.deciles)
    ax = G.partial_dependence(e)
    assert ax.get_ylim()[0] > 9e4


def test_pdp_without_ice_or_deciles():
    e = make_pdp(ice=False, deciles=False)
    ax = G.partial_dependence(e)
    assert gid_collections(ax, "ice") == [] and gid_collections(ax, "deciles") == []
    assert len(gid_lines(ax, "pdp")) == 1
    ax2 = G.partial_dependence(make_pdp(), ice=False, deciles=False)
    assert gid_collections(ax2, "ice") == [] and gid_collections(ax2, "deciles") == []


def test_pdp_centered():
    e = make_pdp(n=25, k=1)
    ax = G.partial_dependence(e, centered=True)
    segs = gid_collections(ax, "ice")[0].get_segments()
    np.testing.assert_allclose([s[0, 1] for s in segs], 0.0, atol=1e-12)
    (line,) = gid_lines(ax, "pdp")
    np.testing.assert_allclose(line.get_ydata(), e.average[:, 0] - e.average[0, 0], atol=1e-12)
    assert ax.get_ylabel().startswith("centered")
    centered = e.center()
    ax2 = G.partial_dependence(centered)
    assert ax2.get_ylabel().startswith("centered")
    with pytest.raises(ValueError, match="already centered"):
        G.partial_dependence(centered, centered=False)
    with pytest.raises(TypeError, match="centered must be"):
        G.partial_dependence(e, centered="yes")


def test_pdp_categorical_points_over_labels():
    e = make_pdp_cat()
    ax = G.partial_dependence(e)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert [lab.split(" (n=")[0] for lab in labels] == ["car", "radio/television", "furniture/equipme…", "business"]
    assert labels[3].endswith("(n=40)")
    (pts,) = gid_lines(ax, "pdp")
    np.testing.assert_allclose(pts.get_xdata(), np.arange(4))
    np.testing.assert_allclose(pts.get_ydata(), e.average[:, 0], rtol=1e-12)
    assert len(gid_collections(ax, "ice")[0].get_segments()) == 40


def test_pdp_effects_grid_returns_array_of_axes():
    effs = Effects((make_pdp(k=2), make_pdp_cat(k=2), make_pdp_2d(k=2)))
    axes = G.partial_dependence(effs, max_ice=10)
    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    assert all(isinstance(a, Axes) for a in axes)
    assert len(gid_collections(axes[0], "ice")[0].get_segments()) == 10
    assert axes[2].get_xlabel() == "x1"
    fig = axes[0].figure
    assert len(fig.axes) == 4                     # three panels + the 2-D panel's colour bar


def test_pdp_effects_on_given_axes_and_too_few():
    effs = Effects((make_pdp(), make_pdp(name="income")))
    fig, axs = plt.subplots(1, 3)
    out = G.partial_dependence(effs, ax=axs)
    assert out[0] is axs[0] and out[1] is axs[1] and not axs[2].lines
    with pytest.raises(ValueError, match="2 panels need 2 Axes, but ax holds 1"):
        G.partial_dependence(effs, ax=axs[0])
    with pytest.raises(ValueError, match="empty"):
        G.partial_dependence(Effects(()))


def test_pdp_refuses_ale_and_bad_types():
    with pytest.raises(ValueError, match="method='ale'"):
        G.partial_dependence(make_ale())
    with pytest.raises(TypeError, match="Effect or Effects"):
        G.partial_dependence(make_importance())
    with pytest.raises(ValueError, match="max_ice"):
        G.partial_dependence(make_pdp(), max_ice=0)
    bad = make_pdp(k=1)
    bad = Effect(features=bad.features, kinds=bad.kinds, grid=bad.grid,
                 average=np.where(np.arange(12)[:, None] == 3, np.inf, bad.average), output_names=["y"])
    with pytest.raises(ValueError, match="must not be infinite"):
        G.partial_dependence(bad)


def test_pdp_nan_gap_is_drawn_not_raised():
    e = make_pdp(k=1, ice=False)
    avg = e.average.copy()
    avg[4] = np.nan
    e = Effect(features=e.features, kinds=e.kinds, grid=e.grid, average=avg, output_names=["y"])
    (line,) = gid_lines(G.partial_dependence(e), "pdp")
    assert np.isnan(line.get_ydata()[4])


# ================================================================= 2-D
def test_pdp_2d_numeric_contour_with_colorbar():
    e = make_pdp_2d(k=2)
    ax = G.pdp_2d(e, output="o0")
    cs = [c for c in ax.collections if isinstance(c, ContourSet) and c.get_gid() == "pdp_2d"]
    assert len(cs) == 1 and cs[0].colorbar is not None
    assert cs[0].levels.min() <= e.average[..., 0].min() and cs[0].levels.max() >= e.average[..., 0].max()
    assert len(ax.figure.axes) == 2
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    assert cs[0].colorbar.ax.get_ylabel() == "partial dependence [o0]"


def test_pdp_2d_categorical_heatmap_labels_and_values():
    e = make_pdp_2d(kinds=("categorical", "categorical"), k=2)
    ax = G.pdp_2d(e)                               # last output
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 3), e.average[:, :, 1].T)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ytick_texts(ax) == ["u", "v"]
    assert len(ax.texts) == 6                      # every cell annotated
    assert mesh.colorbar is not None


def test_pdp_2d_mixed_kinds_and_dispatch():
    e = make_pdp_2d(kinds=("numeric", "categorical"), k=1)
    ax = G.partial_dependence(e)                   # a 2-D Effect goes to pdp_2d
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.colorbar is not None and ytick_texts(ax) == ["u", "v"]
    with pytest.raises(ValueError, match="two features"):
        G.pdp_2d(make_pdp())
    with pytest.raises(ValueError, match="method='ale'"):
        G.pdp_2d(make_pdp_2d(method="ale"))


# ================================================================== ALE
def test_ale_curve_band_and_counts():
    e = make_ale(k=2)
    ax = G.ale(e, output=0)
    (line,) = gid_lines(ax, "ale")
    np.testing.assert_allclose(line.get_xdata(), e.grid[0])
    np.testing.assert_allclose(line.get_ydata(), e.average[:, 0], rtol=1e-12)
    (band,) = gid_collections(ax, "band")
    verts = band.get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(e.lower[:, 0].min())
    assert verts[:, 1].max() == pytest.approx(e.upper[:, 0].max())
    (counts,) = gid_collections(ax, "counts")
    assert isinstance(counts, PolyCollection) and len(counts.get_paths()) == 5
    heights = [p.vertices[:, 1].max() for p in counts.get_paths()]
    np.testing.assert_allclose(heights, 0.12 * np.array([5, 10, 20, 10, 5]) / 20)
    lefts = [p.vertices[:, 0].min() for p in counts.get_paths()]
    np.testing.assert_allclose(lefts, e.grid[0][:-1])


def test_ale_without_band():
    ax = G.ale(make_ale(), band=False)
    assert gid_collections(ax, "band") == []
    ax2 = G.ale(make_ale(band=False, counts=False))
    assert gid_collections(ax2, "band") == [] and gid_collections(ax2, "counts") == []


def test_ale_categorical_error_bars():
    e = make_ale_cat(k=2)
    ax = G.ale(e)                                   # last output
    (pts,) = gid_lines(ax, "ale")
    np.testing.assert_allclose(pts.get_ydata(), e.average[:, 1])
    bars = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_gid() is None]
    segs = np.array(bars[0].get_segments())
    np.testing.assert_allclose(segs[:, 0, 1], e.lower[:, 1])
    np.testing.assert_allclose(segs[:, 1, 1], e.upper[:, 1])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["low\n(n=3)", "mid\n(n=4)", "high\n(n=5)"]


def test_ale_2d_diverging_heatmap():
    e = make_ale_2d = make_pdp_2d(method="ale", k=1)
    ax = G.ale(make_ale_2d)
    (mesh,) = [c for c in ax.collections if c.get_gid() == "ale_2d"]
    lim = np.abs(e.average).max()
    assert mesh.norm.vmin == pytest.approx(-lim) and mesh.norm.vmax == pytest.approx(lim)
    assert mesh.colorbar is not None
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(5, 6), e.average[:, :, 0].T)


def test_ale_2d_with_empty_cells():
    e = make_pdp_2d(method="ale", k=1)
    avg = e.average.copy()
    avg[0, 0] = np.nan
    e = Effect(features=e.features, kinds=e.kinds, grid=e.grid, average=avg, output_names=["y"], method="ale")
    (mesh,) = [c for c in G.ale(e).collections if c.get_gid() == "ale_2d"]
    assert np.ma.is_masked(mesh.get_array())


def test_ale_refuses_pdp():
    with pytest.raises(ValueError, match="method='pdp'"):
        G.ale(make_pdp())


# ============================================================== effect()
def test_effect_dispatch_and_option_filtering():
    effs = Effects((make_pdp(k=1), make_ale(k=1), make_pdp_2d(k=1), make_pdp_2d(method="ale", k=1)))
    axes = G.effect(effs, ice=False, band=False)
    assert gid_lines(axes[0], "pdp") and not gid_collections(axes[0], "ice")
    assert gid_lines(axes[1], "ale") and not gid_collections(axes[1], "band")
    assert any(c.get_gid() == "pdp_2d" for c in axes[2].collections)
    assert any(c.get_gid() == "ale_2d" for c in axes[3].collections)
    one = G.effect(make_ale(), band=True)
    assert isinstance(one, Axes) and gid_collections(one, "band")
    with pytest.raises(TypeError, match="unexpected option"):
        G.effect(make_pdp(), bins=3)
    with pytest.raises(TypeError, match="Effect or Effects"):
        G.effect(make_interaction())


# =========================================================== interaction
def test_interaction_bars_sorted_and_labelled():
    inter = make_interaction()
    ax = G.interaction(inter)                       # last output
    assert ytick_texts(ax) == ["a × rest", "a × b", "b × c", "a_really_long_feature_nam… × rest", "a × c"]
    np.testing.assert_allclose([p.get_width() for p in bars(ax)], [0.9, 0.5, 0.2, 0.1, 0.05])
    ax0 = G.interaction(inter, output="o0", max_display=2)
    assert ytick_texts(ax0) == ["a × c", "a_really_long_feature_nam… × rest"]
    assert "top 2 of 5" in ax0.get_title()


def test_interaction_nan_last_and_bad_input():
    inter = Interaction(pairs=[("a", "b"), ("a", "c")], values=[[np.nan], [0.2]], output_names=["y"])
    ax = G.interaction(inter)
    assert ytick_texts(ax) == ["a × c", "a × b"]
    assert "undefined" in [t.get_text() for t in ax.texts]
    with pytest.raises(TypeError, match="Interaction"):
        G.interaction(make_importance())
    with pytest.raises(ValueError, match="empty"):
        G.interaction(Interaction(pairs=[], values=np.zeros((0, 1)), output_names=["y"]))


@pytest.mark.parametrize("draw", [
    lambda **kw: G.partial_dependence(make_pdp(k=2), **kw),
    lambda **kw: G.pdp_2d(make_pdp_2d(k=2), **kw),
    lambda **kw: G.ale(make_ale(k=2), **kw),
    lambda **kw: G.effect(Effects((make_pdp(k=2), make_ale(k=2))), **kw),
    lambda **kw: G.interaction(make_interaction(k=2), **kw),
])
def test_output_errors_everywhere(draw):
    with pytest.raises(ValueError, match="output 'o9' is not one of the result's outputs \\['o0', 'o1'\\]"):
        draw(output="o9")
    with pytest.raises(ValueError, match="output position -3 is out of range for a result with 2 output"):
        draw(output=-3)
    with pytest.raises(TypeError, match="output must be None, an output name or a position"):
        draw(output=[0])


# ====================================================== results unchanged
def test_results_are_not_modified():
    results = [make_importance(), make_pdp(), make_pdp_cat(), make_pdp_2d(), make_ale(), make_ale_cat(),
               make_pdp_2d(method="ale"), make_interaction()]
    snaps = [snapshot(r) for r in results]
    G.importance(results[0], kind="box")
    G.partial_dependence(results[1], centered=True)
    G.partial_dependence(results[2])
    G.pdp_2d(results[3])
    G.ale(results[4])
    G.ale(results[5])
    G.ale(results[6])
    G.interaction(results[7])
    for r, s in zip(results, snaps):
        assert_same(r, s)


# ================================================================== PNGs
@pytest.mark.parametrize("name, draw", [
    ("importance", lambda: G.importance(make_importance(p=12))),
    ("importance_box", lambda: G.importance(make_importance(p=12), kind="box")),
    ("pdp", lambda: G.partial_dependence(make_pdp())),
    ("pdp_categorical", lambda: G.partial_dependence(make_pdp_cat())),
    ("pdp_2d", lambda: G.pdp_2d(make_pdp_2d())),
    ("ale", lambda: G.ale(make_ale())),
    ("effects_grid", lambda: G.effect(Effects((make_pdp(), make_ale_cat(), make_pdp_2d(method="ale"))))[0]),
    ("interaction", lambda: G.interaction(make_interaction())),
])
def test_png(tmp_path, name, draw):
    ax = draw()
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=45)
    assert path.stat().st_size > 5_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
