"""ALE: unboxed vs PyALE vs effector, 1-D, 50 bins, same model and data.

Run: ``python benchmarks/bench_ale.py [--quick]``. Prints a markdown table and
writes ``benchmarks/results/ale.json``.

- ``unboxed``: ``ub.ale(model, X, features, bins=50)``, all features in one call.
- ``PyALE``: ``PyALE.ale(X, model, [f], grid_size=50, include_CI=False, plot=False)`` per feature.
- ``effector``: ``effector.ALE(X, model.predict, nof_instances="all").fit(features, Fixed(50))``.
- ``floor``: one ``model.predict`` on the 2·n rows per feature that any ALE needs
  (built before the clock starts).

The models are fitted on numpy arrays; PyALE (which needs a DataFrame) gets a thin
wrapper that hands the model the array, so nobody pays for feature-name warnings.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, print_table, save  # noqa: E402

import unboxed as ub  # noqa: E402


class _ArrayModel:
    """Hand PyALE's DataFrames to the model as the arrays it was fitted on."""

    def __init__(self, model):
        self.model = model

    def predict(self, X):
        return self.model.predict(np.asarray(X, dtype=np.float64))


def make_data(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 1] += 0.6 * X[:, 0]  # correlated, where ALE matters
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] ** 2 + rng.normal(scale=0.1, size=n)
    return X, y


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a ~30 s version")
    ap.add_argument("--threads", type=int, default=1,
                    help="OpenMP / BLAS threads for every contender's model (default 1: stable on a shared machine)")
    args = ap.parse_args(argv)
    import PyALE
    import effector
    from effector.axis_partitioning import Fixed
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(args.threads)  # after the imports: it only reaches libraries already loaded
    pools = sorted({(i["internal_api"], i["num_threads"]) for i in threadpool_info()})

    warnings.filterwarnings("ignore")
    n, p, n_feat, repeat = (4000, 6, 3, 2) if args.quick else (20000, 8, 5, 5)
    bins = 50
    X, y = make_data(n, p)
    cols = [f"x{j}" for j in range(p)]
    frame = pd.DataFrame(X, columns=cols)
    feats = list(range(n_feat))
    models = {
        "HistGradientBoosting(200)": HistGradientBoostingRegressor(max_iter=200, random_state=0),
        "RandomForest(50, depth 10)": RandomForestRegressor(n_estimators=50, max_depth=10, random_state=0),
    }
    rows = []
    for name, model in models.items():
        model.fit(X, y)
        wrapped = _ArrayModel(model)

        def ours():
            return ub.ale(model, X, feats, bins=bins, progress=False)

        def pyale():
            return [PyALE.ale(frame, wrapped, [cols[j]], grid_size=bins, include_CI=False, plot=False)
                    for j in feats]

        def eff():
            a = effector.ALE(X, model.predict, nof_instances="all")
            a.fit(feats, binning_method=Fixed(nof_bins=bins, min_points_per_bin=0))
            return a

        blocks = []  # the rows any ALE needs: each row at both edges of its bin, per feature
        for j in feats:
            edges = np.unique(np.quantile(X[:, j], np.linspace(0, 1, bins + 1), method="inverted_cdf"))
            b = np.clip(np.searchsorted(edges, X[:, j]) - 1, 0, edges.size - 2)
            for e in (edges[b], edges[b + 1]):
                block = X.copy()
                block[:, j] = e
                blocks.append(block)
        big = np.concatenate(blocks)

        def floor():
            return model.predict(big)

        # round robin (best of `repeat` each), so that the load of a shared machine hits all alike
        contenders = {"ours": ours, "pyale": pyale, "eff": eff, "floor": floor}
        ours()  # warm-up
        best = dict.fromkeys(contenders, float("inf"))
        for _ in range(repeat):
            for key, fn in contenders.items():
                best[key] = min(best[key], best_time(fn, repeat=1, warmup=0))
        t_ours, t_pyale, t_eff, t_floor = best["ours"], best["pyale"], best["eff"], best["floor"]
        rows.append({"model": name, "rows": n, "features": n_feat, "bins": bins,
                     "unboxed_s": t_ours, "PyALE_s": t_pyale, "effector_s": t_eff, "floor_s": t_floor,
                     "PyALE/unboxed": t_pyale / t_ours, "effector/unboxed": t_eff / t_ours,
                     "unboxed/floor": t_ours / t_floor})
    columns = ["model", "rows", "features", "bins", "unboxed_s", "PyALE_s", "effector_s", "floor_s",
               "PyALE/unboxed", "effector/unboxed", "unboxed/floor"]
    print_table(rows, columns, title="ALE 1-D, 50 bins: seconds (best of %d) and ratios" % repeat)
    path = save("ale", rows, quick=args.quick, bins=bins, threads=args.threads, threadpools=pools)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
