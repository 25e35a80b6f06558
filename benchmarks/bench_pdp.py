"""PDP + ICE: unboxed vs sklearn.inspection.partial_dependence(kind="both", method="brute").

Same model, same data, same grid (5 features x 50 points). sklearn runs feature by
feature (one model call per grid value); unboxed sends all grid values of a chunk of
rows to the model at once. The "floor" is one batched ``predict_proba`` call on the
same rows every brute-force method must evaluate (each of the 5 features set to
each of its 50 grid values in every row), prebuilt: no method can beat it by much.
``floor_tiled_s`` is the same call on ``np.tile(X)`` (as many rows, but repeated
copies of X, which trees predict a few per cent faster: branch prediction).

The floors and unboxed are timed in interleaved rounds (best of k), because the
machine may be shared; sklearn, several times slower, is timed once. ``ours/floor (cpu)`` compares CPU seconds of
this process (``time.process_time``), which other processes' load barely moves.

    python benchmarks/bench_pdp.py [--quick] [--threads N]
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

    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.inspection import partial_dependence as sk_pd

    import unboxed as ub

    n_rows, grid, rounds = (500, 20, 2) if args.quick else (2000, 50, 4)
    n_feat = 5
    X, y = make_classification(n_samples=n_rows, n_features=10, n_informative=6, random_state=0)
    models = {
        "HistGradientBoostingClassifier": HistGradientBoostingClassifier(random_state=0).fit(X, y),
        "RandomForestClassifier": RandomForestClassifier(random_state=0).fit(X, y),
    }
    features = list(range(n_feat))
    rows = []
    for name, model in models.items():
        tiled = np.tile(X, (grid * n_feat, 1))
        g = ub.partial_dependence(model, X, features, grid_resolution=grid, progress=False)
        big = tiled.copy()  # the floor: the rows to evaluate, prebuilt, one call
        for j, e in zip(features, g):
            for i, v in enumerate(e.grid[0]):
                start = (j * grid + i) * n_rows
                big[start:start + n_rows, j] = v

        def floor(model=model, big=big):
            model.predict_proba(big)

        def floor_tiled(model=model, tiled=tiled):
            model.predict_proba(tiled)

        out = {}

        def ours(model=model):
            out["ours"] = ub.partial_dependence(model, X, features, kind="both", max_ice_rows=None,
                                                grid_resolution=grid, progress=False)

        def sklearn(model=model):
            out["sklearn"] = [sk_pd(model, X, [j], kind="both", method="brute", grid_resolution=grid)
                              for j in features]

        ours()  # warm up (imports, first-call costs) outside the timings
        t = {"floor": np.inf, "floor_tiled": np.inf, "ours": np.inf, "sklearn": np.inf}
        t["sklearn"] = best_time(sklearn, repeat=1, warmup=0)  # by far the slowest: once
        for _ in range(rounds):  # interleaved best-of-k
            for key, fn in (("floor", floor), ("floor_tiled", floor_tiled), ("ours", ours)):
                wall, cpu = timed(fn)
                t[key] = min(t[key], wall)
                t[key + "_cpu"] = min(t.get(key + "_cpu", np.inf), cpu)
        for e, s in zip(out["ours"], out["sklearn"]):  # the same numbers (sklearn keeps the positive class)
            np.testing.assert_allclose(e.individual[..., 1], s["individual"][0], rtol=1e-10, atol=1e-10)
        rows.append({
            "model": name, "rows x grid x features": f"{n_rows}x{grid}x{n_feat}",
            "ours_s": t["ours"], "sklearn_s": t["sklearn"],
            "floor_s": t["floor"], "floor_tiled_s": t["floor_tiled"],
            "ours/floor": t["ours"] / t["floor"], "ours/floor (cpu)": t["ours_cpu"] / t["floor_cpu"],
            "sklearn/ours": t["sklearn"] / t["ours"],
        })
    cols = ["model", "rows x grid x features", "ours_s", "sklearn_s", "floor_s", "floor_tiled_s", "ours/floor",
            "ours/floor (cpu)", "sklearn/ours"]
    title = (f"PDP + ICE (kind='both'): ours and floors best of {rounds} interleaved rounds, sklearn once, "
             f"threads={args.threads or 'default'}")
    print_table(rows, cols, title=title)
    path = save("pdp", rows, quick=args.quick, n_rows=n_rows, grid=grid, n_features=n_feat, threads=args.threads)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
