"""The ``unboxed`` command line.

``unboxed demo`` trains a gradient-boosting classifier on the German credit data
shipped with the package, prints the global importance table and writes PDP/ICE
and ALE plots of the top features to a folder.

Exit codes: 0 on success, 2 on bad input (with a one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser"]


class UserError(Exception):
    """A problem with what the user asked for: reported in one line, exit code 2."""


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    import unboxed as ub
    from unboxed import plots

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the output folder {out}: {e.strerror}") from None
    t0 = time.perf_counter()
    X, y = ub.datasets.load_german_credit(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=args.random_state, stratify=y)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=200, learning_rate=0.05,
                                           max_leaf_nodes=15, random_state=args.random_state).fit(X_tr, y_tr)
    proba = model.predict_proba(X_te)[:, list(model.classes_).index("good")]
    print("unboxed demo: German credit (1000 applicants, 20 features; UCI Statlog, CC BY 4.0)")
    print(f"model: HistGradientBoostingClassifier, trained on {len(X_tr)} rows, evaluated on {len(X_te)}")
    print(f"held-out accuracy {accuracy_score(y_te, model.predict(X_te)):.3f}, "
          f"ROC AUC {roc_auc_score(y_te == 'good', proba):.3f}\n")

    imp = ub.permutation_importance(model, X_te, y_te, scoring="roc_auc", n_repeats=args.repeats,
                                    random_state=args.random_state, progress=not args.quiet)
    frame = imp.to_frame()[["rank", "feature", "importance", "std"]]
    print(f"Permutation importance (drop in ROC AUC on held-out data, {args.repeats} repeats):")
    with _pd_options():
        print(frame.head(args.top_table).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print()

    top = imp.ranking()[: args.top]
    written = []
    import matplotlib.pyplot as plt
    ax = plots.importance(imp, max_display=15)
    written.append(_save(ax, out / "importance.png"))
    pdp = ub.partial_dependence(model, X_te, top, kind="both", random_state=args.random_state,
                                progress=not args.quiet)
    ale = ub.accumulated_local_effects(model, X_te, top, n_bootstrap=50 if not args.quick else 0,
                                       random_state=args.random_state, progress=not args.quiet)
    for i, name in enumerate(top):
        ax = plots.partial_dependence(pdp[name], output="good")
        written.append(_save(ax, out / f"pdp_ice_{i + 1}_{_slug(name)}.png"))
        ax = plots.ale(ale[name], output="good")
        written.append(_save(ax, out / f"ale_{i + 1}_{_slug(name)}.png"))
    plt.close("all")
    for path in written:
        print(f"wrote {path}")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return 0


class _pd_options:
    def __enter__(self):
        import pandas as pd
        self._ctx = pd.option_context("display.max_colwidth", 60, "display.width", 120)
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "_" for c in name.lower())
    return keep[:40].strip("_")


def _save(ax: Any, path: Path) -> Path:
    import numpy as np
    axes = np.ravel(ax) if isinstance(ax, np.ndarray) else [ax]
    fig = axes[0].figure
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return path


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="unboxed", description="Explain trained machine-learning models.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"unboxed {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="train a model on German credit and write global explanations",
        description="Train a gradient-boosting classifier on the German credit data shipped with unboxed, "
                    "print its permutation importance and write PDP/ICE and ALE plots of the top features.")
    demo.add_argument("--out", default="unboxed-demo", help="folder for the plots (default: %(default)s)")
    demo.add_argument("--top", type=int, default=4, help="how many top features to plot (default: %(default)s)")
    demo.add_argument("--top-table", type=int, default=20, help=argparse.SUPPRESS)
    demo.add_argument("--repeats", type=int, default=10, help="permutation repeats (default: %(default)s)")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: %(default)s)")
    demo.add_argument("--quick", action="store_true", help="skip the bootstrap bands")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        _log(f"unboxed: error: {e}")
        return 2
    except (ValueError, TypeError, FileNotFoundError) as e:
        _log(f"unboxed: error: {e}")
        return 2
    except KeyboardInterrupt:
        _log("unboxed: interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
