"""The HTML explanation report: :class:`Report` computes, renders and saves one self-contained file.

The file holds everything it needs: plotly's JavaScript (inlined once, from the
``plotly`` Python package), the figures as JSON, the styles and a small script
for the row picker. It opens offline and makes no network requests (a
Content-Security-Policy forbids them).
"""

from __future__ import annotations

import datetime as _dt
import functools
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_positive_int, describe, resolve_seed
from . import _figures as figs
from . import _sections as sec
from ._explainers import METHODS, is_tree_model, local_explanations
from ._format import fmt_number, fmt_value, script_json, total_of

__all__ = ["Report", "demo_report"]

_EXTRA = "pip install 'unboxed[report]'"
#: Features in the SHAP summary (beeswarm) and in a waterfall before the rest are pooled.
MAX_BEESWARM = 12
MAX_WATERFALL = 10


def _require(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError as e:
        raise ImportError(f"the HTML report needs {name}: {_EXTRA}") from e


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.min.js from the installed plotly package (never from the network)."""
    _require("plotly")
    ref = resources.files("plotly").joinpath("package_data", "plotly.min.js")
    text = ref.read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _static(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _environment() -> Any:
    jinja2 = _require("jinja2")
    path = resources.files(__package__).joinpath("templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(path)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: fmt_number(v, 4) if isinstance(v, (int, float, np.number)) else v
    return env


def _short_label(space: str, name: str, is_classifier: bool) -> str:
    if not is_classifier:
        return "prediction" if name in ("prediction", "") else f"prediction ({name})"
    return {"proba": f"P({name})", "log_odds": f"log-odds({name})"}.get(space, f"score({name})")


def _params_text(params: dict, limit: int = 400) -> str:
    parts = []
    for k, v in params.items():
        if v is None or v == () or v == []:
            continue
        if isinstance(v, (tuple, list)) and len(v) > 6:
            v = f"({len(v)} items: {', '.join(str(x) for x in v[:3])}, ...)"
        parts.append(f"{k}={v}")
    s = "; ".join(parts)
    return s if len(s) <= limit else s[: limit - 1] + "…"


class Report:
    """An HTML report that explains a fitted model on a data set.

    Sections: the model and data at a glance (with performance when ``y`` is
    given); global importance (permutation importance and mean |SHAP| side by
    side); PDP with ICE and ALE of the top features; a SHAP summary
    (beeswarm) and dependence plots; local explanations of chosen rows
    (waterfall and the top reasons in words) with a row picker; a rule-list
    global surrogate with its fidelity; and the method, parameters, model
    evaluations and software versions behind every figure.

    Parameters
    ----------
    model : fitted estimator, Pipeline, xgboost / lightgbm model or callable
    X : array-like or DataFrame of shape (n_rows, n_features)
        The data, in the form the model takes. Not modified.
    y : array-like of shape (n_rows,), optional
        The true targets; without them there is no performance and no
        permutation importance (features are ranked by mean |SHAP|).
    rows : list of int, optional
        Positions (0-based) of the rows to explain locally. Default: the rows
        with the highest, the median and the lowest prediction.
    sample : int, default 1000
        Global methods run on a random sample of this many rows when ``X`` is
        larger (the report states it). Performance uses every row.
    top : int, default 5
        Features with PDP / ICE, ALE and dependence plots.
    random_state : int or None, default 0
        Seeds the sample, the permutations, the background and the bootstrap;
        the same seed gives the same report on every backend.
    title : str, optional
    focus : str or int, optional
        The output (class) the global charts show: default the positive class
        of a binary classifier, the class predicted most often of a
        multi-class one. Local explanations of a multi-class model explain
        each row's predicted class.
    method : {"auto", "tree", "kernel", "exact", "permutation", "linear", "lime"}, default "auto"
        How the local attributions are computed (``auto``: Tree SHAP for tree
        models, else :func:`unboxed.explain`).
    n_repeats : int, default 5
        Repeats of permutation importance.
    background_size : int, optional
        Background rows of the Shapley values (default 100 for tree models, 25 otherwise).
    shap_rows : int, optional
        Rows of the SHAP summary (default: the whole sample for tree models,
        100 for the slower model-agnostic methods, whose Kernel SHAP budget is
        1024 coalitions per row).
    backend : None, "processes" or dask.distributed.Client
        Where the methods run their chunks (the answer does not depend on it).
    progress : bool, default True
        Progress bars on stderr.
    source : dict, optional
        Where the model and data came from (e.g. file names), shown as text.
    notes : list of str, optional
        Extra remarks shown in the overview.

    Attributes
    ----------
    results_ : dict
        The results behind the figures (``permutation``, ``shap``, ``pdp``,
        ``ale``, ``surrogate``, ``local``), after :meth:`build`.
    timings_ : dict
        Seconds per section, after :meth:`build`.
    rows_ : list of int
        The rows explained locally.

    References
    ----------
    Molnar, C. (2022). Interpretable Machine Learning, 2nd ed.
    Lundberg, S. M. and Lee, S.-I. (2017). A unified approach to interpreting
    model predictions. NeurIPS 30.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from unboxed.report import Report
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = RandomForestRegressor(n_estimators=20, max_depth=4, random_state=0).fit(X, y)
    >>> report = Report(model, X, y, rows=[0, 1], sample=200, progress=False).build()
    >>> report.save("diabetes.html")  # doctest: +SKIP
    >>> "<html" in report.to_html()
    True
    """

    def __init__(self, model: Any, X: Any, y: Any = None, *, rows: Any = None, sample: int = 1000, top: int = 5,
                 random_state: Any = 0, title: str | None = None, focus: Any = None, method: str = "auto",
                 n_repeats: int = 5, background_size: int | None = None, shap_rows: int | None = None,
                 backend: Any = None, progress: bool = True, source: dict | None = None,
                 notes: list | None = None):
        self.model = model
        self.X = X
        self.y = y
        self.rows = rows
        self.sample = check_positive_int(sample, "sample", minimum=2)
        self.top = check_positive_int(top, "top")
        self.random_state = random_state
        self.title = None if title is None else str(title)
        self.focus = focus
        if method not in METHODS:
            raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
        self.method = method
        self.n_repeats = check_positive_int(n_repeats, "n_repeats")
        self.background_size = None if background_size is None else check_positive_int(background_size,
                                                                                        "background_size")
        self.shap_rows = None if shap_rows is None else check_positive_int(shap_rows, "shap_rows")
        self.backend = backend
        self.progress = bool(progress)
        if source is not None and not isinstance(source, dict):
            raise TypeError(f"source must be a dict of labels to text, got {describe(source)}")
        self.source = dict(source or {})
        if notes is not None and (isinstance(notes, str) or not all(isinstance(s, str) for s in notes)):
            raise TypeError("notes must be a list of strings")
        self.notes = list(notes or [])
        self._html: str | None = None

    # ------------------------------------------------------------ compute
    def build(self) -> Report:
        """Run every method and render the page; returns ``self``."""
        _require("jinja2")
        plotly_js()
        seed = resolve_seed(self.random_state)
        self.seed_ = seed
        timings: dict[str, float] = {}
        results: dict[str, Any] = {}
        from tqdm.auto import tqdm
        steps = ["data and model", "local attributions (SHAP)", "permutation importance", "PDP, ICE and ALE",
                 "global surrogate", "figures and page"]
        bar = tqdm(total=len(steps), desc="unboxed report", disable=not self.progress, leave=False)

        def step(name: str) -> float:
            bar.set_postfix_str(name)
            return time.perf_counter()

        try:
            t = step(steps[0])
            ctx = sec.make_context(self.model, self.X, self.y, sample=self.sample, random_state=seed,
                                   backend=self.backend, progress=self.progress, focus=self.focus)
            ctx.notes.extend(self.notes)
            rows = sec.choose_rows(ctx, self.rows)
            overview = sec.overview(ctx)
            timings["overview"] = time.perf_counter() - t
            bar.update(1)

            t = step(steps[1])
            attr_global, attr_rows, shap_note = self._shap(ctx, rows)
            if shap_note:
                ctx.notes.append(shap_note)
            results["shap"], results["local"] = attr_global, attr_rows
            timings["shap"] = time.perf_counter() - t
            bar.update(1)

            t = step(steps[2])
            results["permutation"] = sec.permutation(ctx, self.n_repeats)
            timings["permutation"] = time.perf_counter() - t
            bar.update(1)

            order = self._ranking(ctx, results)
            top = order[: self.top]
            t = step(steps[3])
            results["pdp"], results["ale"], ale_failed = sec.effects(ctx, top)
            for name, why in ale_failed.items():
                ctx.notes.append(f"no ALE for {name}: {why}")
            timings["effects"] = time.perf_counter() - t
            bar.update(1)

            t = step(steps[4])
            results["surrogate"] = sec.surrogate(ctx)
            timings["surrogate"] = time.perf_counter() - t
            bar.update(1)

            t = step(steps[5])
            self.ctx_ = ctx
            self.rows_ = rows
            self.results_ = results
            self.top_ = top
            self.ranking_ = order
            self.overview_ = overview
            self.timings_ = timings
            self._html = self._render(ctx, rows, results, top, order, overview)
            timings["render"] = time.perf_counter() - t
            bar.update(1)
        finally:
            bar.close()
        return self

    def _shap(self, ctx: sec.Context, rows: list[int]) -> tuple[Any, Any, str]:
        tree = self.method in ("auto", "tree") and is_tree_model(ctx.model)
        n_bg = self.background_size or (100 if tree else 25)
        n_shap = self.shap_rows or (ctx.sample_idx.size if tree else 100)
        rng = np.random.default_rng([ctx.seed, 1])
        idx = ctx.sample_idx
        if idx.size > n_shap:
            idx = np.sort(rng.choice(idx, size=n_shap, replace=False))
        self.shap_idx_ = idx
        every = np.concatenate([idx, np.asarray(rows, dtype=np.intp)])
        attr, note = local_explanations(ctx.model, sec.take(ctx.X, every), ctx.X, method=self.method,
                                        output=ctx.f.output, background_size=n_bg, random_state=ctx.seed,
                                        backend=ctx.backend, progress=ctx.progress,
                                        max_evals="auto" if tree else 1024)
        m = idx.size
        return attr.select(rows=np.arange(m)), attr.select(rows=np.arange(m, m + len(rows))), note

    @staticmethod
    def _attr_output(attr: Any, ctx: sec.Context, k: int) -> int:
        name = ctx.output_names[k]
        if name in attr.output_names:
            return attr.output_names.index(name)
        if attr.n_outputs == 1:
            return 0
        return min(k, attr.n_outputs - 1)

    def _mean_abs_shap(self, attr: Any, ctx: sec.Context) -> tuple[np.ndarray, str]:
        mabs = np.abs(attr.values).mean(axis=0)  # (p, k)
        if attr.n_outputs > 2:
            what = "classes" if ctx.is_classifier else "outputs"
            return mabs.sum(axis=1), f"mean |SHAP| summed over {attr.n_outputs} {what}"
        o = self._attr_output(attr, ctx, ctx.focus or 0)
        label = _short_label(attr.output_space, attr.output_names[o], ctx.is_classifier)
        return mabs[:, o], f"mean |SHAP| on {label}"

    def _ranking(self, ctx: sec.Context, results: dict) -> list[str]:
        perm = results["permutation"]
        if perm is not None:
            return list(perm.ranking())
        shap, _ = self._mean_abs_shap(results["shap"], ctx)
        order = np.argsort(-shap, kind="stable")
        return [results["shap"].feature_names[i] for i in order]

    # ------------------------------------------------------------- render
    def _render(self, ctx: sec.Context, rows: list[int], results: dict, top: list[str], order: list[str],
                overview: dict) -> str:
        env = _environment()
        figures: dict[str, dict] = {}
        focus_name = ctx.output_names[ctx.focus or 0]
        f_label = _short_label(ctx.f.output, focus_name, ctx.is_classifier)
        attr = results["shap"]
        perm = results["permutation"]
        shap_imp, shap_label = self._mean_abs_shap(attr, ctx)
        names = [n for n in order if n in attr.feature_names]
        pos = [attr.feature_names.index(n) for n in names]
        n_imp = min(len(names), 20)
        perm_vals = perm_std = None
        perm_label = ""
        if perm is not None:
            pidx = [perm.feature_names.index(n) for n in names[:n_imp]]
            perm_vals, perm_std = perm.values[pidx, 0], perm.std[pidx, 0]
            perm_label = f"drop in {perm.scoring}"
        figures["importance"] = figs.importance_figure(names[:n_imp], perm_vals, perm_std, shap_imp[pos[:n_imp]],
                                                       perm_label, shap_label)
        imp_table = []
        for n, j in zip(names, pos):
            row = {"feature": n, "shap": fmt_number(shap_imp[j], 3)}
            if perm is not None:
                i = perm.feature_names.index(n)
                row["perm"] = f"{fmt_number(perm.values[i, 0], 3)} ± {fmt_number(perm.std[i, 0], 2)}"
            imp_table.append(row)

        # PDP / ICE and ALE
        effects = []
        for i, name in enumerate(top):
            item = {"name": name, "pdp": f"pdp-{i}", "ale": None}
            figures[f"pdp-{i}"] = figs.pdp_figure(results["pdp"][name], ctx.focus or 0, f_label, seed=ctx.seed)
            if name in results["ale"]:
                item["ale"] = f"ale-{i}"
                figures[f"ale-{i}"] = figs.ale_figure(results["ale"][name], ctx.focus or 0, f_label)
            effects.append(item)

        # SHAP summary and dependence
        o = self._attr_output(attr, ctx, ctx.focus or 0)
        s_label = _short_label(attr.output_space, attr.output_names[o], ctx.is_classifier)
        bee_order = np.argsort(-np.abs(attr.values[:, :, o]).mean(axis=0), kind="stable")[:MAX_BEESWARM]
        Zs = ctx.Z[self.shap_idx_]
        display = attr.data if attr.data is not None else ctx.schema.display_values(Zs)
        cat = [ctx.schema.columns[j].kind == "categorical" for j in range(ctx.schema.n_features)]
        figures["beeswarm"] = figs.beeswarm_figure(
            [attr.feature_names[j] for j in bee_order], attr.values[:, bee_order, o], Zs[:, bee_order],
            display[:, bee_order], [cat[j] for j in bee_order], s_label)
        dependence = []
        for i, name in enumerate(top):
            j = ctx.schema.index(name)
            labels = None
            grid = ctx.schema.grid_values(j)
            if cat[j] and grid is not None:
                labels = list(ctx.schema.labels(j, grid))
            figures[f"dep-{i}"] = figs.dependence_figure(name, Zs[:, j], display[:, j], attr.values[:, j, o],
                                                         cat[j], labels, s_label)
            dependence.append({"name": name, "id": f"dep-{i}"})

        local_rows = self._local_rows(ctx, rows, results["local"])
        figures["waterfall"] = local_rows[0]["figure"]
        sur = results["surrogate"]
        provenance = self._provenance(ctx, results)
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        model_type = overview["model"]["type"]
        context = {
            "title": self.title or f"Explaining {model_type}",
            "generated": now,
            "overview": overview,
            "source": self.source,
            "notes": ctx.notes,
            "sample_text": self._sample_text(ctx),
            "focus_label": f_label,
            "imp_table": imp_table,
            "has_perm": perm is not None,
            "perm_scoring": perm.scoring if perm is not None else "",
            "n_repeats": self.n_repeats,
            "shap_method": attr.provenance.method,
            "shap_rows": int(self.shap_idx_.size),
            "shap_label": s_label,
            "shap_imp_label": shap_label,
            "effects": effects,
            "dependence": dependence,
            "rows": [{k: r[k] for k in ("label", "headline", "reasons", "table")} for r in local_rows],
            "surrogate": {"rules": sur.rules, "fidelity": fmt_number(sur.fidelity, 3), "metric": sur.metric,
                          "n_rules": sur.n_rules, "target": sur.target},
            "provenance": provenance,
            "versions": sec.versions(ctx.model),
            "timings": {k: f"{v:.1f}" for k, v in self.timings_.items()},
            "css": _static("report.css"),
            "plotly_js": plotly_js(),
            "report_js": _static("report.js"),
        }
        data = {"figures": figures,
                "rows": [{k: r[k] for k in ("label", "headline", "reasons", "table", "figure")} for r in local_rows]}
        self.data_ = data
        context["data_json"] = script_json(data)
        return env.get_template("report.html.j2").render(**context)

    def _sample_text(self, ctx: sec.Context) -> str:
        n, m = ctx.n, int(ctx.sample_idx.size)
        if m < n:
            return (f"Global methods use a random sample of {m:,} of the {n:,} rows (random_state={ctx.seed}); "
                    f"performance uses all {n:,} rows.")
        return f"All {n:,} rows are used."

    def _local_rows(self, ctx: sec.Context, rows: list[int], attr: Any) -> list[dict]:
        out = []
        index = ctx.X.index if isinstance(ctx.X, pd.DataFrame) else None
        show_index = index is not None and not isinstance(index, pd.RangeIndex)
        display = attr.data if attr.data is not None else ctx.schema.display_values(ctx.Z[rows])
        for i, r in enumerate(rows):
            if attr.n_outputs > 2 and ctx.is_classifier:
                k = int(np.argmax(ctx.P[r]))
            else:
                k = ctx.focus or 0
            o = self._attr_output(attr, ctx, k)
            out_name = attr.output_names[o]
            vals = attr.values[i, :, o]
            base = float(attr.base_values[i, o])
            total = total_of(base, vals)
            order = np.argsort(-np.abs(vals), kind="stable")
            shown = order[:MAX_WATERFALL]
            contrib = [(f"{attr.feature_names[j]} = {fmt_value(display[i, j])}", float(vals[j])) for j in shown]
            if order.size > MAX_WATERFALL:
                rest = order[MAX_WATERFALL:]
                contrib.append((f"{rest.size} other features", float(vals[rest].sum())))
            label = _short_label(attr.output_space, out_name, ctx.is_classifier)
            phrase = sec.output_phrase(attr.output_space, out_name, ctx.is_classifier)
            reasons = []
            for j in order[:3]:
                v = float(vals[j])
                if v == 0:
                    continue
                verb = "raised" if v > 0 else "lowered"
                size = f"{abs(v):.3f}" if attr.output_space == "proba" else fmt_number(abs(v), 3)
                reasons.append(f"{attr.feature_names[j]} = {fmt_value(display[i, j])} {verb} {phrase} by {size}")
            name = f"row {r}" + (f" (index {index[r]})" if show_index else "")
            head = f"{name}: {label} = {fmt_number(total, 3)} (average {fmt_number(base, 3)})"
            if ctx.is_classifier:
                pk = int(ctx.predicted_class()[r])
                names = ctx.class_names
                head += f"; predicted class: {names[pk]}"
            if ctx.y is not None:
                head += f"; true value: {fmt_value(ctx.y[r])}"
            table = [[attr.feature_names[j], fmt_value(display[i, j]), fmt_number(float(vals[j]), 3, sign=True),
                      1 if vals[j] > 0 else (-1 if vals[j] < 0 else 0)] for j in order]
            fig = figs.waterfall_figure(base, contrib, total, label, total_label=name)
            out.append({"row": r, "label": name, "headline": head, "reasons": reasons, "table": table,
                        "figure": fig})
        return out

    def _provenance(self, ctx: sec.Context, results: dict) -> list[dict]:
        items = [("SHAP summary, dependence and local explanations", results["shap"], self.timings_.get("shap")),
                 ("Permutation importance", results["permutation"], self.timings_.get("permutation")),
                 ("PDP and ICE", results["pdp"][0] if len(results["pdp"]) else None, None),
                 ("ALE", next(iter(results["ale"].values()), None), None),
                 ("Global surrogate", results["surrogate"], self.timings_.get("surrogate"))]
        out = []
        for name, res, sec_time in items:
            if res is None:
                continue
            p = res.provenance
            out.append({"figure": name, "method": p.method, "params": _params_text(p.params),
                        "random_state": "" if p.random_state is None else str(p.random_state),
                        "n_evals": f"{p.n_evals:,}", "output": p.output, "backend": p.backend,
                        "seconds": "" if sec_time is None else f"{sec_time:.1f}"})
        return out

    # -------------------------------------------------------------- output
    def to_html(self) -> str:
        """The report as one HTML string (builds it first if needed)."""
        if self._html is None:
            self.build()
        return self._html  # type: ignore[return-value]

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path`` (UTF-8); returns the path."""
        if not isinstance(path, (str, Path)):
            raise TypeError(f"path must be a str or Path, got {describe(path)}")
        p = Path(path)
        html = self.to_html()
        try:
            p.write_text(html, encoding="utf-8")
        except OSError as e:
            raise OSError(f"cannot write the report to {p}: {e.strerror}") from None
        return p

    def _repr_html_(self) -> str:
        """Jupyter display: the report in a sandboxed iframe (its scripts run, nothing leaves the page)."""
        import html as _html

        doc = _html.escape(self.to_html(), quote=True)
        return (f'<iframe srcdoc="{doc}" sandbox="allow-scripts" title="unboxed report" '
                'style="width:100%;height:800px;border:1px solid #ddd"></iframe>')

    def __repr__(self) -> str:
        state = "built" if self._html is not None else "not built"
        return f"Report({type(self.model).__name__}, rows={sec._n_rows(self.X)}, {state})"


def demo_model(random_state: int = 0) -> tuple[Any, Any, Any, dict]:
    """The demo: a HistGradientBoostingClassifier on German credit (70 % train), and its held-out scores."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    from ..datasets import load_german_credit
    X, y = load_german_credit(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=random_state, stratify=y)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=200, learning_rate=0.05,
                                           max_leaf_nodes=15, random_state=random_state).fit(X_tr, y_tr)
    proba = model.predict_proba(X_te)[:, list(model.classes_).index("good")]
    held = {"n_train": len(X_tr), "n_test": len(X_te), "accuracy": accuracy_score(y_te, model.predict(X_te)),
            "roc_auc": roc_auc_score(y_te == "good", proba)}
    return model, X, y, held


def demo_report(path: str | Path | None = "report.html", *, random_state: int = 0, progress: bool = True,
                **kwargs: Any) -> Report:
    """Build (and save, unless ``path`` is None) the demo report on the German credit data.

    A HistGradientBoostingClassifier with native categorical splits is trained
    on 70 % of the 1000 applicants; the report explains it on all 1000 (its
    held-out performance is stated in the overview). Local explanations show
    the probability of a *bad* credit.

    Parameters
    ----------
    path : str, Path or None, default "report.html"
    random_state : int, default 0
    progress : bool, default True
    **kwargs
        Passed to :class:`Report` (``rows``, ``sample``, ``top``, ...).

    Returns
    -------
    Report
        Built (and saved).

    Examples
    --------
    >>> from unboxed.report import demo_report
    >>> report = demo_report("credit.html", progress=False)  # doctest: +SKIP
    """
    model, X, y, held = demo_model(random_state)
    note = (f"The model was trained on {held['n_train']} of these {len(X)} applicants; on the other "
            f"{held['n_test']} (held out) its accuracy is {held['accuracy']:.3f} and its ROC AUC "
            f"{held['roc_auc']:.3f}. Performance below is on all {len(X)} rows, training rows included.")
    opts = {"title": "German credit: why does the model approve or refuse?", "focus": "bad",
            "rows": [0, 17, 42], "random_state": random_state, "progress": progress,
            "source": {"data": "German credit (UCI Statlog, CC BY 4.0), shipped with unboxed",
                       "model": "HistGradientBoostingClassifier(categorical_features='from_dtype', "
                                "max_iter=200, learning_rate=0.05, max_leaf_nodes=15)"},
            "notes": [note]}
    opts.update(kwargs)
    report = Report(model, X, y, **opts).build()
    if path is not None:
        report.save(path)
    return report
