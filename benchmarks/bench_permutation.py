"""Permutation importance: unboxed vs sklearn.inspection.permutation_importance.

n_repeats=10, default scoring (accuracy), on breast_cancer with a
RandomForestClassifier and on a 2000-row HistGradientBoostingClassifier. The
"floor" is one batched ``predict`` call (the method accuracy needs) on the
n_repeats x n_features x n_rows rows every method must evaluate (X with one column
shuffled, for each repeat and feature), prebuilt. ``floor_tiled_s`` is the same call
on ``np.tile(X)`` (as many rows, but repeated copies of X, which trees predict a few
per cent faster: branch prediction). The floors and unboxed are timed in
interleaved rounds (best of k), because the machine may be shared; sklearn,
several times slower, is timed once. ``ours/floor (cpu)`` compares CPU seconds of
this process (``time.process_time``), which other processes' load barely moves.

    python benchmarks/bench_permutation.py [--quick] [--threads N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, parse_args, print_table, save  # noqa: E402
from _common import wall_and_cpu as timed  # noqa: E402


def main() -> None:
    args = parse_args(__doc__)

    from sklearn.datasets import load_breast_cancer, make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.inspection import permutation_importance as sk_pi

    import unboxed as ub

    n_repeats = 10
    rounds = 2 if args.quick else 4
    Xb, yb = load_breast_cancer(return_X_y=True)
    n_hgb = 500 if args.quick else 2000
    Xh, yh = make_classification(n_samples=n_hgb, n_features=10, n_informative=6, random_state=0)
    cases = {
        "breast_cancer RandomForestClassifier": (RandomForestClassifier(random_state=0).fit(Xb, yb), Xb, yb),
        f"{n_hgb}-row HistGradientBoostingClassifier": (HistGradientBoostingClassifier(random_state=0).fit(Xh, yh),
                                                        Xh, yh),
    }
    rows = []
    for name, (model, X, y) in cases.items():
        n, p = X.shape
        tiled = np.tile(X, (n_repeats * p, 1))
        big = tiled.copy()
        rng = np.random.default_rng(0)
        for b in range(n_repeats * p):
            big[b * n:(b + 1) * n, b % p] = X[rng.permutation(n), b % p]

        def floor(model=model, big=big):
            model.predict(big)

        def floor_tiled(model=model, tiled=tiled):
            model.predict(tiled)

        out = {}

        def ours(model=model, X=X, y=y):
            out["ours"] = ub.permutation_importance(model, X, y, n_repeats=n_repeats, random_state=0,
                                                    progress=False)

        def sklearn(model=model, X=X, y=y):
            out["sklearn"] = sk_pi(model, X, y, n_repeats=n_repeats, random_state=0)

        ours()  # warm up (imports, first-call costs) outside the timings
        t = {"floor": np.inf, "floor_tiled": np.inf, "ours": np.inf, "sklearn": np.inf}
        t["sklearn"] = best_time(sklearn, repeat=1, warmup=0)  # by far the slowest: once
        for _ in range(rounds):  # interleaved best-of-k
            for key, fn in (("floor", floor), ("floor_tiled", floor_tiled), ("ours", ours)):
                wall, cpu = timed(fn)
                t[key] = min(t[key], wall)
                t[key + "_cpu"] = min(t.get(key + "_cpu", np.inf), cpu)
        a, b = out["ours"], out["sklearn"]  # same baseline; importances agree within Monte-Carlo error
        np.testing.assert_allclose(a.baseline[0], model.score(X, y), rtol=1e-12)
        rows.append({
            "model": name, "rows evaluated": n_repeats * X.shape[1] * X.shape[0],
            "ours_s": t["ours"], "sklearn_s": t["sklearn"],
            "floor_s": t["floor"], "floor_tiled_s": t["floor_tiled"],
            "ours/floor": t["ours"] / t["floor"], "ours/floor (cpu)": t["ours_cpu"] / t["floor_cpu"],
            "sklearn/ours": t["sklearn"] / t["ours"],
            "max |ours - sklearn| (MC error)": float(np.max(np.abs(a.values[:, 0] - b.importances_mean))),
        })
    cols = ["model", "rows evaluated", "ours_s", "sklearn_s", "floor_s", "floor_tiled_s", "ours/floor",
            "ours/floor (cpu)", "sklearn/ours",
            "max |ours - sklearn| (MC error)"]
    title = (f"Permutation importance, n_repeats={n_repeats}: ours and floors best of {rounds} interleaved rounds, "
             f"sklearn once, threads={args.threads or 'default'}")
    print_table(rows, cols, title=title)
    path = save("permutation", rows, quick=args.quick, n_repeats=n_repeats, threads=args.threads)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
