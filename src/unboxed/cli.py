"""The ``unboxed`` command line.

Commands
--------
``unboxed report MODEL DATA --target COLUMN``
    Write the HTML explanation report of a fitted model on a data file.
``unboxed report --demo``
    Train a gradient-boosting classifier on the German credit data shipped with
    unboxed and write its report.
``unboxed explain MODEL DATA --rows 0,5``
    Print local explanations of some rows (a table, JSON or CSV).
``unboxed demo``
    The demo as plots and a table in a folder (and the report in it too).

Exit codes: 0 on success, 2 on bad input (with one line ``unboxed: error: ...``
on stderr, never a traceback), 130 when interrupted. Set the environment
variable ``UNBOXED_DEBUG=1`` to see the traceback behind an error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser"]


class UserError(Exception):
    """A problem with what the user asked for: reported in one line, exit code 2."""


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quiet_warnings() -> None:
    warnings.filterwarnings("ignore", message=".*has feature names, but.*")
    warnings.filterwarnings("ignore", message=".*does not have valid feature names.*")


def _parse_rows(text: str | None) -> list[int] | None:
    if text is None:
        return None
    items = [t.strip() for t in str(text).split(",")]
    if not items or any(t == "" for t in items):
        raise UserError(f"--rows must be row positions separated by commas, e.g. 0,17,42; got {text!r}")
    rows = []
    for t in items:
        try:
            r = int(t)
        except ValueError:
            raise UserError(f"--rows must be whole numbers separated by commas, e.g. 0,17,42; got {t!r}") from None
        if r < 0:
            raise UserError(f"--rows must be non-negative row positions (0 is the first data row), got {r}")
        if r not in rows:  # a row named twice is explained once
            rows.append(r)
    return rows


def _check_rows_in_range(rows: list[int] | None, n: int, name: str) -> None:
    if rows:
        bad = [r for r in rows if r >= n]
        if bad:
            raise UserError(f"--rows {bad[:5]} out of range: {name} has {n} rows (positions 0 to {n - 1})")


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {v}")
    return v


def _non_negative(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {v}")
    return v


def _load_inputs(args: argparse.Namespace, need_target: bool) -> tuple[Any, Any, Any, str]:
    from .report._load import _expected_names, align, load_data, load_model, split_target
    model = load_model(args.model, trust=args.trust)
    frame = load_data(args.data)
    name = Path(args.data).name
    target = getattr(args, "target", None)
    if need_target and target is None and not getattr(args, "no_target", False):
        raise UserError("report needs --target COLUMN (the column of DATA with the true outcome), "
                        "or --no-target to go without performance and permutation importance")
    if target is not None:
        features = _expected_names(model)
        if features is not None and target in features:
            raise UserError(f"the target column {target!r} is one of the model's features; --target names the "
                            "true outcome, which the model does not take as input")
    X, y = split_target(frame, target, name)
    X = align(model, X, name)
    return model, X, y, name


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} kB"


# ------------------------------------------------------------------ report
def _report(args: argparse.Namespace) -> int:
    from .report.builder import Report, demo_report
    _quiet_warnings()
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise UserError(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise UserError(f"cannot write the report to {out}: it is a folder; give a file name such as "
                        f"{out / 'report.html'}")
    rows = _parse_rows(args.rows)
    t0 = time.perf_counter()
    opts = {"random_state": args.random_state, "progress": not args.quiet, "top": args.top,
            "method": args.method}
    if args.sample is not None:
        if args.sample < 2:
            raise UserError(f"--sample must be at least 2 (the global methods compare rows), got {args.sample}")
        opts["sample"] = args.sample
    if args.title is not None:
        opts["title"] = args.title
    if args.demo:
        if args.model is not None or args.data is not None:
            raise UserError("report --demo takes no MODEL or DATA (it trains its own model on German credit)")
        if rows is not None:
            _check_rows_in_range(rows, 1000, "the German credit data")
            opts["rows"] = rows
        if not args.quiet:
            _log("unboxed: training a gradient-boosting classifier on German credit and building its report")
        demo_report(out, **opts)
    else:
        if args.model is None or args.data is None:
            raise UserError("report needs MODEL and DATA files (or --demo); see unboxed report --help")
        model, X, y, name = _load_inputs(args, need_target=True)
        _check_rows_in_range(rows, len(X), name)
        if rows is not None:
            opts["rows"] = rows
        source = {"model file": Path(args.model).name, "data file": name}
        if args.target:
            source["target column"] = args.target
        Report(model, X, y, source=source, **opts).build().save(out)
    print(f"wrote {out} ({_size(out)}) in {time.perf_counter() - t0:.1f} s")
    return 0


# ----------------------------------------------------------------- explain
def _explain(args: argparse.Namespace) -> int:
    import numpy as np
    from .report._explainers import local_explanations
    from .report._format import fmt_number, fmt_value, total_of
    from .report._sections import take
    _quiet_warnings()
    rows = _parse_rows(args.rows)
    model, X, y, name = _load_inputs(args, need_target=False)
    _check_rows_in_range(rows, len(X), name)
    output = args.output
    if output == "auto" and args.method != "linear":  # probabilities of classifiers, as the report
        from ._model import model_function
        output = model_function(model, take(X, np.arange(min(5, len(X))))).output
    attr, note = local_explanations(model, take(X, np.asarray(rows)), X, method=args.method, output=output,
                                    background_size=args.background, random_state=args.random_state,
                                    progress=not args.quiet)
    if note and not args.quiet:
        _log(f"unboxed: note: {note}")
    if args.format == "json":
        sys.stdout.write(attr.to_json() + "\n")
        return 0
    if args.format == "csv":
        frame = attr.to_frame()
        frame["row"] = np.asarray(rows)[frame["row"].to_numpy()]
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    outputs = list(attr.output_names)
    k = attr.n_outputs
    focus = [k - 1] if k <= 2 else list(range(k))
    lines = [f"{attr.provenance.method} explanations of {len(rows)} row(s) of {name} "
             f"(output: {attr.output_space or 'model output'})"]
    top = args.top if args.top > 0 else attr.n_features
    for i, r in enumerate(rows):
        for o in focus:
            vals = attr.values[i, :, o]
            base = float(attr.base_values[i, o])
            lines.append("")
            lines.append(f"row {r}, {outputs[o]}: {fmt_number(total_of(base, vals), 4)} = base "
                         f"{fmt_number(base, 4)} + contributions")
            order = np.argsort(-np.abs(vals), kind="stable")[:top]
            data = attr.data[i] if attr.data is not None else [""] * attr.n_features
            w1 = max(len("feature"), *(len(attr.feature_names[j]) for j in order))
            w2 = max(len("value"), *(len(fmt_value(data[j])) for j in order))
            lines.append(f"  {'feature'.ljust(w1)}  {'value'.ljust(w2)}  contribution")
            for j in order:
                lines.append(f"  {attr.feature_names[j].ljust(w1)}  {fmt_value(data[j]).ljust(w2)}  "
                             f"{fmt_number(vals[j], 4, sign=True)}")
            if attr.n_features > top:
                rest = np.argsort(-np.abs(vals), kind="stable")[top:]
                lines.append(f"  ({rest.size} more features: {fmt_number(vals[rest].sum(), 4, sign=True)} together)")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


# -------------------------------------------------------------------- demo
def _demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import unboxed as ub
    from unboxed import plots

    from .report.builder import demo_model, demo_report
    _quiet_warnings()
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the output folder {out}: {e.strerror}") from None
    t0 = time.perf_counter()
    model, X, y, held = demo_model(args.random_state)
    print("unboxed demo: German credit (1000 applicants, 20 features; UCI Statlog, CC BY 4.0)")
    print(f"model: HistGradientBoostingClassifier, trained on {held['n_train']} rows, evaluated on {held['n_test']}")
    print(f"held-out accuracy {held['accuracy']:.3f}, ROC AUC {held['roc_auc']:.3f}\n")
    imp = ub.permutation_importance(model, X, y, scoring="roc_auc", n_repeats=args.repeats,
                                    random_state=args.random_state, progress=not args.quiet)
    frame = imp.to_frame()[["rank", "feature", "importance", "std"]]
    print(f"Permutation importance (drop in ROC AUC on all 1000 rows, {args.repeats} repeats):")
    import pandas as pd
    with pd.option_context("display.max_colwidth", 60, "display.width", 120):
        print(frame.head(args.top_table).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print()
    top = imp.ranking()[: args.top]
    written = [_save(plots.importance(imp, max_display=15), out / "importance.png")]
    pdp = ub.partial_dependence(model, X, top, kind="both", random_state=args.random_state,
                                progress=not args.quiet)
    ale = ub.accumulated_local_effects(model, X, top, n_bootstrap=50 if not args.quick else 0,
                                       random_state=args.random_state, progress=not args.quiet)
    for i, name in enumerate(top):
        written.append(_save(plots.partial_dependence(pdp[name], output="good"),
                             out / f"pdp_ice_{i + 1}_{_slug(name)}.png"))
        written.append(_save(plots.ale(ale[name], output="good"), out / f"ale_{i + 1}_{_slug(name)}.png"))
    if not args.no_report:
        demo_report(out / "report.html", random_state=args.random_state, progress=not args.quiet)
        written.append(out / "report.html")
    import matplotlib.pyplot as plt
    plt.close("all")
    for path in written:
        print(f"wrote {path}")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return 0


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "_" for c in name.lower())
    return keep[:40].strip("_")


def _save(ax: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt
    import numpy as np
    axes = np.ravel(ax) if isinstance(ax, np.ndarray) else [ax]
    fig = axes[0].figure
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


# ------------------------------------------------------------------ parser
_REPORT_EPILOG = """examples:
  unboxed report --demo                                  # German credit demo -> report.html
  unboxed report model.skops test.csv --target default   # your model on your data
  unboxed report model.joblib data.parquet --target y --trust --rows 0,17,42 --sample 2000

MODEL: .skops, .json/.ubj (xgboost), .txt (lightgbm), or .joblib/.pkl with --trust
(loading a pickle runs code from the file). DATA: .csv or .parquet with the model's
feature columns and the target column."""

_EXPLAIN_EPILOG = """examples:
  unboxed explain model.skops test.csv --rows 0,5 --target default
  unboxed explain model.json test.csv --rows 3 --method tree --format json > row3.json
  unboxed explain model.joblib data.csv --rows 0,1,2 --trust --format csv

--format json prints the Attribution's JSON (read it back with unboxed.load)."""


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .report._explainers import METHODS
    parser = argparse.ArgumentParser(
        prog="unboxed", description="Explain trained machine-learning models.",
        epilog="Run 'unboxed COMMAND --help' for the options of a command.\n"
               "Start with: unboxed report --demo",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"unboxed {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rep = sub.add_parser(
        "report", help="write an HTML explanation report of a model on a data file",
        description="Write one self-contained HTML file (works offline) that explains MODEL on DATA: "
                    "performance, global importance, PDP/ICE and ALE, SHAP summary and dependence, local "
                    "explanations of chosen rows, surrogate rules, and the methods and versions behind it.",
        epilog=_REPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("model", nargs="?", metavar="MODEL", help="fitted model file")
    rep.add_argument("data", nargs="?", metavar="DATA", help="CSV or Parquet file with features (and target)")
    rep.add_argument("--target", metavar="COLUMN", help="the column of DATA with the true outcome")
    rep.add_argument("--no-target", action="store_true",
                     help="DATA has no target: no performance, no permutation importance")
    rep.add_argument("--demo", action="store_true", help="train a model on German credit and report on it")
    rep.add_argument("--out", default="report.html", metavar="FILE", help="output file (default: %(default)s)")
    rep.add_argument("--rows", metavar="I,J,...", help="row positions to explain locally (0 = first data row; "
                     "default: highest, median and lowest prediction)")
    rep.add_argument("--sample", type=_positive, metavar="N",
                     help="rows for the global methods when DATA is larger (default: 1000)")
    rep.add_argument("--top", type=_positive, default=5, metavar="K",
                     help="features with effect plots (default: %(default)s)")
    rep.add_argument("--method", choices=METHODS, default="auto",
                     help="local attribution method (default: %(default)s: Tree SHAP for trees)")
    rep.add_argument("--title", help="title of the report")
    rep.add_argument("--trust", action="store_true",
                     help="allow loading pickle/joblib files and untrusted skops types (this runs their code)")
    rep.add_argument("--random-state", type=_non_negative, default=0, metavar="SEED",
                     help="seed (default: %(default)s)")
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.set_defaults(func=_report)

    exp = sub.add_parser(
        "explain", help="print local explanations of rows of a data file",
        description="Explain the model's output for some rows of DATA and print the contributions of "
                    "each feature (Shapley values, or LIME).",
        epilog=_EXPLAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    exp.add_argument("model", metavar="MODEL", help="fitted model file")
    exp.add_argument("data", metavar="DATA", help="CSV or Parquet file with the model's features")
    exp.add_argument("--rows", required=True, metavar="I,J,...", help="row positions to explain (0 = first row)")
    exp.add_argument("--target", metavar="COLUMN", help="a column of DATA to leave out (the true outcome)")
    exp.add_argument("--method", choices=METHODS, default="auto",
                     help="attribution method (default: %(default)s: Tree SHAP for trees, else unboxed.explain)")
    exp.add_argument("--output", default="auto", choices=("auto", "proba", "log_odds", "decision", "raw", "predict"),
                     help="model output to explain (default: %(default)s: probabilities of classifiers)")
    exp.add_argument("--format", choices=("table", "json", "csv"), default="table",
                     help="output format (default: %(default)s)")
    exp.add_argument("--top", type=_non_negative, default=10, metavar="K",
                     help="features per row in the table, 0 for all (default: %(default)s)")
    exp.add_argument("--background", type=_positive, default=100, metavar="N",
                     help="background rows sampled from DATA (default: %(default)s)")
    exp.add_argument("--trust", action="store_true", help="allow loading pickle/joblib files (runs their code)")
    exp.add_argument("--random-state", type=_non_negative, default=0, metavar="SEED",
                     help="seed (default: %(default)s)")
    exp.add_argument("--quiet", action="store_true", help="no progress bars")
    exp.set_defaults(func=_explain)

    demo = sub.add_parser(
        "demo", help="the German credit demo as PNG plots and a report in a folder",
        description="Train a gradient-boosting classifier on the German credit data shipped with unboxed, "
                    "print its permutation importance and write PDP/ICE and ALE plots of the top features "
                    "and the HTML report (report.html) to a folder. 'unboxed report --demo' writes the report "
                    "alone.")
    demo.add_argument("--out", default="unboxed-demo", help="folder for the files (default: %(default)s)")
    demo.add_argument("--top", type=_positive, default=4, help="how many top features to plot (default: %(default)s)")
    demo.add_argument("--top-table", type=_positive, default=20, help=argparse.SUPPRESS)
    demo.add_argument("--repeats", type=_positive, default=10, help="permutation repeats (default: %(default)s)")
    demo.add_argument("--random-state", type=_non_negative, default=0, help="seed (default: %(default)s)")
    demo.add_argument("--quick", action="store_true", help="skip the bootstrap bands")
    demo.add_argument("--no-report", action="store_true", help="do not write report.html")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 bad input, 130 interrupted)."""
    from ._validation import ModelError
    from .report._load import InputError
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error (argparse printed it)
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (UserError, InputError) as e:
        _log(f"unboxed: error: {e}")
        return 2
    except ModelError as e:
        _log(f"unboxed: error: the model and the data disagree: {_one_line(e)}")
        return 2
    except (ValueError, TypeError, KeyError, OSError, ImportError) as e:
        if os.environ.get("UNBOXED_DEBUG"):
            raise
        _log(f"unboxed: error: {_one_line(e)}")
        return 2
    except KeyboardInterrupt:
        _log("unboxed: interrupted")
        return 130


def _one_line(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    if isinstance(e, KeyError) and text.startswith(("'", '"')):
        text = f"unknown key {text}"
    return " ".join(text.split())[:500]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
