"""Permutation SHAP: Shapley values as average marginal contributions along random orderings.

For an ordering of the players, adding them one by one from the empty to the
full coalition gives each player one marginal contribution; these sum to
``v(N) - v(0)`` for every ordering, so the estimate satisfies efficiency
exactly. Orderings come in antithetic pairs (an ordering and its reverse,
whose coalitions are each other's complements), which cancels the even part of
the game. The standard error of each value is the standard deviation of the
pair averages over the square root of the number of pairs.

Each ordering costs ``n - 1`` coalitions (times the background rows); the
coalitions of all orderings of a chunk of rows go to the model in one call.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from .._validation import resolve_seed
from ._game import MAX_MODEL_ROWS, ShapleyExplainer, coalition_values, dummy_players, row_rng

__all__ = ["PermutationShap"]

#: Samples (antithetic pairs, or orderings) below which standard errors are unreliable: with few
#: samples, every sample can agree by chance (a zero standard error on a wrong value). Early
#: stopping (``tol``) looks at the errors only from this many on.
_MIN_SAMPLES_FOR_SE = 20


def _orderings(rng: np.random.Generator, n: int, count: int, antithetic: bool) -> np.ndarray:
    """``count`` orderings (count, n); with antithetic, row 2i+1 reverses row 2i."""
    if not antithetic:
        return np.argsort(rng.random((count, n)), axis=1)
    fwd = np.argsort(rng.random((count // 2, n)), axis=1)
    out = np.empty((count, n), dtype=np.intp)
    out[0::2] = fwd
    out[1::2] = fwd[:, ::-1]
    return out


def _contributions(P: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Marginal contributions (q, n, k) from orderings P (q, n) and chain values V (q, n+1, k)."""
    q, n = P.shape
    steps = V[:, 1:] - V[:, :-1]  # (q, n, k): contribution of the player at each position
    C = np.empty_like(steps)
    C[np.arange(q)[:, None], P] = steps
    return C


def _perm_chunk(rows: slice, *, f, Z, Zb, w, base, cfg) -> tuple[np.ndarray, np.ndarray, int]:
    X = Z[rows]
    r = X.shape[0]
    owner, n_players = cfg["owner"], cfg["n_players"]
    vN = f(X)
    n_evals = r
    k = vN.shape[1]
    delta = vN - base[None, :]
    active = ~dummy_players(X, Zb, w, owner, n_players)
    phi = np.zeros((r, n_players, k))
    se = np.zeros((r, n_players, k))
    anti = cfg["antithetic"]
    orders, contrib = [], []
    for i in range(r):
        n = int(active[i].sum())
        orders.append(_orderings(row_rng(cfg["seed"], rows.start + i), n, cfg["n_permutations"], anti)
                      if n >= 2 else None)
        contrib.append([])
    done = np.array([o is None for o in orders])
    for stop in cfg["schedule"]:
        todo = [i for i in range(r) if not done[i]]
        if not todo:
            break
        col_masks, parts = [], []
        for i in todo:
            act = np.nonzero(active[i])[0]
            n = act.size
            start = sum(c.shape[0] for c in contrib[i])
            P = orders[i][start:stop]
            rank = np.empty_like(P)
            rank[np.arange(P.shape[0])[:, None], P] = np.arange(n)[None, :]
            pm = rank[:, None, :] < np.arange(1, n)[None, :, None]  # (q, n-1, n) prefixes of length 1..n-1
            full = np.zeros((P.shape[0] * (n - 1), n_players), dtype=bool)
            full[:, act] = pm.reshape(-1, n)
            col_masks.append(full[:, owner])
            parts.append((i, P))
        vals, ne = coalition_values(f, X[todo], col_masks, Zb, w, max_rows=cfg["max_rows"])
        n_evals += ne
        for (i, P), v in zip(parts, vals):
            q, n = P.shape
            V = np.empty((q, n + 1, k))
            V[:, 0] = 0.0
            V[:, n] = delta[i]
            V[:, 1:n] = (v - base[None, :]).reshape(q, n - 1, k)
            contrib[i].append(_contributions(P, V))
            C = np.concatenate(contrib[i])
            samples = 0.5 * (C[0::2] + C[1::2]) if anti else C
            m = samples.shape[0]
            est = samples.mean(axis=0)
            err = samples.std(axis=0, ddof=1) / math.sqrt(m) if m >= 2 else np.full_like(est, np.inf)
            act = np.nonzero(active[i])[0]
            phi[i, act], se[i, act] = est, err
            if C.shape[0] >= cfg["n_permutations"] or (cfg["tol"] is not None and np.all(err <= cfg["tol"])):
                done[i] = True
    for i in range(r):
        if orders[i] is None:  # fewer than two players that vary: the whole change is theirs
            act = np.nonzero(active[i])[0]
            if act.size == 1:
                phi[i, act[0]] = delta[i]
    return phi, se, n_evals


class PermutationShap(ShapleyExplainer):
    """Permutation SHAP with antithetic orderings and standard errors.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
    background : array-like, DataFrame or Background
        Rows whose values replace the features outside a coalition (raw data
        with more than 100 rows is sampled down to 100, with a warning).
    n_permutations : int or "auto", default="auto"
        Orderings per explained row (even when ``antithetic``; at least 4, so
        that there are two pairs to estimate a standard error from). ``auto``:
        about 2048 coalitions' worth, ``2 * ceil(1024 / (n - 1))``, at least 10.
    groups : dict, optional
        Group name -> list of columns; each group is one player.
    antithetic : bool, default=True
        Use each ordering together with its reverse.
    tol : float, optional
        Stop a row once every standard error is below ``tol`` (orderings are
        added in doubling rounds, the first check after 20 pairs: with fewer,
        the standard errors can be 0 by chance).
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default="auto"
    random_state : int, Generator or None
    backend : None, "processes" or dask.distributed.Client
    progress : bool, default=True

    Notes
    -----
    Cost: ``n_permutations * (n - 1) * n_background + 1`` model rows per row.
    Efficiency holds exactly for every ordering; the estimate converges to the
    exact values as ``n_permutations`` grows.

    References
    ----------
    Castro, J., Gomez, D. and Tejada, J. (2009). Polynomial calculation of the
    Shapley value based on sampling. Computers & Operations Research 36(5).
    Mitchell, R., Cooper, J., Frank, E. and Holmes, G. (2022). Sampling
    permutations for Shapley value estimation. JMLR 23.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> model = Ridge().fit(X, X.sum(axis=1))
    >>> attr = PermutationShap(model, X[:20], n_permutations=10, random_state=0, progress=False).explain(X[:3])
    >>> attr.values.shape
    (3, 4, 1)
    """

    _method = "permutation_shap"
    _sampled = True
    _chunk_fn = staticmethod(_perm_chunk)

    def __init__(self, model: Any, background: Any, *, n_permutations: int | str = "auto", groups: Any = None,
                 antithetic: bool = True, tol: float | None = None, output: str = "auto",
                 random_state: Any = None, backend: Any = None, progress: bool = True):
        self.model = model
        self.background = background
        self.n_permutations = n_permutations
        self.groups = groups
        self.antithetic = antithetic
        self.tol = tol
        self.output = output
        self.random_state = random_state
        self.backend = backend
        self.progress = progress
        if not isinstance(antithetic, (bool, np.bool_)):
            raise TypeError(f"antithetic must be True or False, got {antithetic!r}")
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0
                                or not np.isfinite(tol)):
            raise ValueError(f"tol must be a positive number or None, got {tol!r}")
        self._setup(model, background, groups, output)
        n = self.n_players
        if isinstance(n_permutations, str):
            if n_permutations != "auto":
                raise ValueError(f"n_permutations must be a positive even integer or 'auto', got {n_permutations!r}")
            self.n_permutations_ = max(10, 2 * math.ceil(1024 / max(1, n - 1)))
        elif isinstance(n_permutations, (bool, np.bool_)) or not isinstance(n_permutations, numbers.Integral):
            raise TypeError(f"n_permutations must be an integer or 'auto', got {type(n_permutations).__name__}")
        else:
            need = 4 if antithetic else 2
            if n_permutations < need:
                raise ValueError(f"n_permutations={n_permutations} is too few: at least {need} are needed to "
                                 "estimate standard errors")
            if antithetic and n_permutations % 2:
                raise ValueError(f"n_permutations={n_permutations} must be even with antithetic=True "
                                 "(each ordering comes with its reverse)")
            self.n_permutations_ = int(n_permutations)
            samples = self.n_permutations_ // 2 if antithetic else self.n_permutations_
            if samples < _MIN_SAMPLES_FOR_SE:
                warnings.warn(f"n_permutations={n_permutations} gives {samples} "
                              f"{'antithetic pairs' if antithetic else 'orderings'}; standard errors from fewer than "
                              f"{_MIN_SAMPLES_FOR_SE} can be far too small (even 0 by chance when features interact "
                              "in threes or more)", UserWarning, stacklevel=2)

    def _seed_for_call(self) -> int:
        return resolve_seed(self.random_state)

    def _schedule(self) -> list[int]:
        T = self.n_permutations_
        if self.tol is None:
            return [T]
        # the first look at the standard errors waits for enough samples to trust them
        out = [min(T, 2 * _MIN_SAMPLES_FOR_SE if self.antithetic else _MIN_SAMPLES_FOR_SE)]
        while out[-1] < T:
            nxt = min(T, 2 * out[-1])
            out.append(nxt)
        return out

    def _unit_rows(self) -> int:
        return (self.n_permutations_ * max(1, self.n_players - 1) + 1) * self._Zb.shape[0]

    def _cfg(self, seed: Any) -> dict:
        return {"n_players": self.n_players, "owner": self.players_.owner, "max_rows": MAX_MODEL_ROWS,
                "seed": seed, "n_permutations": self.n_permutations_, "antithetic": bool(self.antithetic),
                "tol": self.tol, "schedule": self._schedule()}

    def _params(self) -> dict:
        return {"n_permutations": self.n_permutations_, "antithetic": bool(self.antithetic), "tol": self.tol}
