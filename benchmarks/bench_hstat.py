"""Friedman's H-statistic: unboxed vs a straightforward per-point implementation.

Run: ``python benchmarks/bench_hstat.py [--quick]``. Prints a markdown table and
writes ``benchmarks/results/hstat.json``.

There is no maintained Python reference (sklearn has none; R's ``iml`` computes
the same quantity point by point), so the baseline is the textbook loop: for
each feature / pair and each sample point, one ``model.predict`` on the sample
with the feature(s) set to that point, then the mean. It computes the same
numbers (checked here to 1e-9). Its cost is linear in the number of partial
dependence functions; ``--baseline-features 4`` runs it on those of 4 features
only (4 PD_j + 6 PD_jk of 55) and scales its time to all. ``floor`` is one ``model.predict`` on every
model row the statistic needs (``sample_size²`` per feature and per pair), built
before the clock starts; ``floor_batched`` the same rows in calls of the model
adapter's batch size (unboxed bounds the memory of one call; HistGradientBoosting's
predict costs noticeably less per row in one huge call).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, print_table, save  # noqa: E402

import unboxed as ub  # noqa: E402
from unboxed._validation import check_random_state  # noqa: E402


def per_point_h2(model, Xs: np.ndarray, feats: list[int]) -> np.ndarray:
    """Pairwise H² with one predict call per (feature or pair, sample point)."""
    n = Xs.shape[0]

    def pd_values(cols):
        out = np.empty(n)
        for i in range(n):
            Z = Xs.copy()
            Z[:, cols] = Xs[i, cols]
            out[i] = model.predict(Z).mean()
        return out - out.mean()

    single = {j: pd_values([j]) for j in feats}
    h2 = []
    for j, k in itertools.combinations(feats, 2):
        pjk = pd_values([j, k])
        h2.append(np.sum((pjk - single[j] - single[k]) ** 2) / np.sum(pjk ** 2))
    return np.asarray(h2)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a ~30 s version")
    ap.add_argument("--threads", type=int, default=1,
                    help="OpenMP / BLAS threads for every contender's model (default 1: stable on a shared machine)")
    ap.add_argument("--baseline-features", type=int, default=None,
                    help="run the per-point loop on the PD functions of this many features (and their pairs) "
                         "and scale its time linearly to all of them (default: all)")
    args = ap.parse_args(argv)
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(args.threads)  # after the imports: it only reaches libraries already loaded
    pools = sorted({(i["internal_api"], i["num_threads"]) for i in threadpool_info()})

    warnings.filterwarnings("ignore")
    p, sample_size = (6, 150) if args.quick else (10, 300)
    q = min(p, args.baseline_features or p)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, p))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + X[:, 3] * X[:, 1] ** 2 + rng.normal(scale=0.1, size=3000)
    model = HistGradientBoostingRegressor(max_iter=50, random_state=0).fit(X, y)
    feats = list(range(p))
    n_pd = p + p * (p - 1) // 2          # PD functions the statistic needs
    n_pd_base = q + q * (q - 1) // 2     # ... of which the per-point loop runs

    result = {}

    def ours():
        result["h"] = ub.h_statistic(model, X, sample_size=sample_size, random_state=0, progress=False)

    t_ours = best_time(ours, repeat=1, warmup=0)
    rows_idx = np.sort(check_random_state(0).choice(X.shape[0], size=sample_size, replace=False))
    Xs = X[rows_idx]
    t0 = time.perf_counter()
    ref = per_point_h2(model, Xs, feats[:q])
    t_naive = (time.perf_counter() - t0) * n_pd / n_pd_base
    ours_pairs = [i for i, pr in enumerate(itertools.combinations(feats, 2)) if pr[1] < q]
    np.testing.assert_allclose(result["h"].values[ours_pairs, 0], ref, rtol=1e-9, atol=1e-12)
    blocks = []  # every model row the statistic needs, built as any implementation must
    for cols in [[j] for j in feats] + [list(c) for c in itertools.combinations(feats, 2)]:
        block = np.tile(Xs, (sample_size, 1))
        block[:, cols] = np.repeat(Xs[:, cols], sample_size, axis=0)
        blocks.append(block)
    big = np.concatenate(blocks)

    def floor():
        model.predict(big)

    t_floor = best_time(floor, repeat=1, warmup=0)
    batch = ub.model_function(model, X).batch_size  # rows per model call in unboxed (memory bound)

    def floor_batched():
        for s in range(0, big.shape[0], batch):
            model.predict(big[s:s + batch])

    t_floor_b = best_time(floor_batched, repeat=1, warmup=0)
    rows = [{"model": "HistGradientBoosting(50)", "features": p, "pairs": p * (p - 1) // 2,
             "sample_size": sample_size, "model_rows": big.shape[0], "unboxed_s": t_ours,
             "per_point_s": t_naive, "floor_s": t_floor, "floor_batched_s": t_floor_b,
             "per_point/unboxed": t_naive / t_ours, "unboxed/floor": t_ours / t_floor,
             "unboxed/floor_batched": t_ours / t_floor_b, "baseline_measured_on": f"{n_pd_base} of {n_pd} PD functions"}]
    print_table(rows, ["model", "features", "pairs", "sample_size", "model_rows", "unboxed_s", "per_point_s",
                       "floor_s", "floor_batched_s", "per_point/unboxed", "unboxed/floor", "unboxed/floor_batched",
                       "baseline_measured_on"],
                title="H-statistic, all pairs: seconds and ratios (per-point loop gives the same H² to 1e-9; "
                      "its time is scaled linearly from the PD functions it ran)")
    path = save("hstat", rows, quick=args.quick, threads=args.threads, threadpools=pools)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
