"""Interventional Tree SHAP against a background set, in time linear in rows + background rows.

For a row ``x``, a background row ``r`` and one leaf whose path splits on the
distinct features ``N`` (``d`` of them), the interventional game is
``v * prod_{j in S} x_j ok * prod_{j not in S} r_j ok``. Let ``X`` be the set of
path features whose splits ``x`` satisfies and ``R`` the same for ``r``. The
leaf adds nothing unless ``X | R = N``; then, with ``a = |X \\ R|`` and
``b = |N \\ X|``, a feature in ``X \\ R`` gets ``v (a-1)! b! / (a+b)!`` and a
feature outside ``X`` gets ``-v a! (b-1)! / (a+b)!`` (Lundberg et al. 2020).

Averaged over the background, a leaf's contribution depends on ``x`` only
through its mask ``X``. So the background is summarized once per leaf as a
histogram of its masks ``R``, and three tables over all ``2^d`` masks ``X``
(superset sums of the histogram weighted by the formulas above, in
``O(d^2 2^d)`` per leaf) give every row's contribution in ``O(d)`` per leaf:
time ``O((n + m) * leaves * depth)``, not ``O(n * m * ...)``. This is the idea of
WOODELF (decision patterns per leaf), organized as subset transforms.

Leaves with more distinct path features than the table limit keep the list of
distinct background masks instead (cost per row proportional to that list).
Explaining probabilities rescales each (row, background row) pair's values by
``(sigma(m_x) - sigma(m_r)) / (m_x - m_r)`` as shap does, which needs the pairs:
``O(n * m * leaves)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._format import TreeEnsemble, dual_kernel, pick
from ._path import _decide, goes_left

__all__ = ["background_masks", "Summary", "summarize", "interventional_shap", "interventional_shap_pairs"]

_FACT = np.array([float(np.prod(np.arange(1, k + 1, dtype=np.float64))) for k in range(70)])


def _masks_kernel(X, left, column, threshold, flags, cat_off, cat_len, cat_bits, tree_start, leaf_d, path_off,
                  path_node, path_dir, path_slot, tree_leaf_start):
    n = X.shape[0]
    T = tree_start.size - 1
    n_leaves = leaf_d.size
    max_nodes = 1
    for t in range(T):
        if tree_start[t + 1] - tree_start[t] > max_nodes:
            max_nodes = tree_start[t + 1] - tree_start[t]
    out = np.empty((n, n_leaves), np.int64)
    for i in prange(n):
        dec = np.zeros(max_nodes, np.bool_)
        for t in range(T):
            s = tree_start[t]
            for node in range(s, tree_start[t + 1]):
                if left[node] >= 0:
                    f = flags[node]
                    x = X[i, column[node]]
                    if f <= 1:
                        dec[node - s] = (x <= threshold[node]) or (f == 1 and x != x)
                    else:
                        dec[node - s] = goes_left(x, node, threshold, flags, cat_off, cat_len, cat_bits)
            for ell in range(tree_leaf_start[t], tree_leaf_start[t + 1]):
                mask = (np.int64(1) << leaf_d[ell]) - 1
                for m in range(path_off[ell], path_off[ell + 1]):
                    if dec[path_node[m] - s] != (path_dir[m] == 1):
                        mask &= ~(np.int64(1) << path_slot[m])
                out[i, ell] = mask
    return out


_MASKS = dual_kernel(_masks_kernel)


def background_masks(ens: TreeEnsemble, Xm: np.ndarray) -> np.ndarray:
    """For each row and leaf, the bit mask of the leaf's path features whose splits the row satisfies."""
    (leaf_node, leaf_d, slot_off, slot_player, slot_z, path_off, path_node, path_dir, path_slot,
     tree_leaf_start) = ens.paths()
    if leaf_d.size and leaf_d.max() > 62:
        raise ValueError(f"a leaf of this model has {int(leaf_d.max())} distinct features on its path; "
                         "interventional Tree SHAP supports at most 62")
    kernel = pick(_MASKS, float(Xm.shape[0]) * ens.n_nodes * 2)
    return kernel(np.ascontiguousarray(Xm, dtype=np.float64), ens.left, ens.column, ens.threshold,
                  ens.flags, ens.cat_off, ens.cat_len, ens.cat_bits, ens.tree_start, leaf_d, path_off,
                  path_node, path_dir, path_slot, tree_leaf_start)


@njit(cache=True)
def _popcount(x):
    c = 0
    while x:
        x &= x - 1
        c += 1
    return c


def _tables_kernel(bg, leaf_d, tab_off, fact, neg, apos, bpos, weights):
    m = bg.shape[0]
    n_leaves = leaf_d.size
    for ell in prange(n_leaves):
        off = tab_off[ell]
        if off < 0:
            continue
        d = leaf_d[ell]
        size = 1 << d
        full = size - 1
        cnt = np.zeros(size)
        for r in range(m):
            cnt[bg[r, ell]] += weights[r]
        pc = np.empty(size, np.int64)
        for y in range(size):
            pc[y] = _popcount(y)
        g1 = np.empty(size)
        g2 = np.empty(size)
        for nb in range(d + 1):
            for y in range(size):
                a = d - pc[y]
                if nb >= 1:
                    g1[y] = cnt[y] * fact[a] * fact[nb - 1] / fact[a + nb]
                else:
                    g1[y] = 0.0
                if a >= 1:
                    g2[y] = cnt[y] * fact[a - 1] * fact[nb] / fact[a + nb]
                else:
                    g2[y] = 0.0
            # superset sums
            for bit in range(d):
                b = 1 << bit
                for y in range(size):
                    if (y & b) == 0:
                        g1[y] += g1[y | b]
                        g2[y] += g2[y | b]
            for y in range(size):
                if pc[y] == nb:
                    x = full ^ y
                    neg[off + x] = g1[y]
                    apos[off + x] = g2[y]
                elif pc[y] == nb + 1:
                    bpos[off + (full ^ y)] = g2[y]


_TABLES = dual_kernel(_tables_kernel)


class Summary:
    """The background summarized per leaf: mask tables (small leaves) or distinct masks (deep leaves)."""

    def __init__(self, ens: TreeEnsemble, bg_masks: np.ndarray, max_table_depth: int = 12,
                 weights: np.ndarray | None = None, budget_bytes: int = 512 * 2**20):
        leaf_d = ens.paths()[1]
        m = bg_masks.shape[0]
        self.m = m
        w = np.full(m, 1.0 / m) if weights is None else np.asarray(weights, dtype=np.float64)
        self.tab_off = np.full(leaf_d.size, -1, np.int64)
        # three float64 tables of 2^d values per leaf: stay within the memory budget
        while max_table_depth > 0:
            keep = leaf_d <= max_table_depth
            if 24 * float(np.sum(np.left_shift(np.int64(1), np.minimum(leaf_d[keep], 62)))) <= budget_bytes:
                break
            max_table_depth -= 1
        self.max_table_depth = max_table_depth
        small = leaf_d <= max_table_depth
        sizes = np.where(small, np.left_shift(1, np.minimum(leaf_d, 62)), 0).astype(np.int64)
        self.tab_off[small] = np.cumsum(sizes)[small] - sizes[small]
        total = int(sizes.sum())
        self.neg = np.zeros(max(total, 1))
        self.apos = np.zeros(max(total, 1))
        self.bpos = np.zeros(max(total, 1))
        if total:
            work = float(total) * (leaf_d.max(initial=1) ** 2) + bg_masks.size
            pick(_TABLES, work)(bg_masks, leaf_d.astype(np.int64), self.tab_off, _FACT, self.neg, self.apos, self.bpos,
                           w)
        # deep leaves: distinct masks with their weights
        deep = np.flatnonzero(~small)
        offs = np.zeros(leaf_d.size + 1, np.int64)
        masks_l, cnt_l = [], []
        for ell in deep:
            u, inv = np.unique(bg_masks[:, ell], return_inverse=True)
            masks_l.append(u)
            cnt_l.append(np.bincount(inv.ravel(), weights=w, minlength=u.size))
            offs[ell + 1] = u.size
        self.en_off = np.cumsum(offs)
        self.en_mask = np.concatenate(masks_l) if masks_l else np.zeros(1, np.int64)
        self.en_w = np.concatenate(cnt_l).astype(np.float64) if cnt_l else np.zeros(1)


def summarize(ens: TreeEnsemble, bg_model: np.ndarray, max_table_depth: int = 12,
              weights: np.ndarray | None = None) -> Summary:
    """Summarize the background rows ``bg_model`` (model input) for :func:`interventional_shap`."""
    return Summary(ens, background_masks(ens, bg_model), max_table_depth, weights)


def _row_kernel(X, n_players, n_out, left, column, threshold, flags, cat_off, cat_len, cat_bits, value,
                tree_start, tree_out, leaf_node, leaf_d, slot_off, slot_player, path_off, path_node, path_dir,
                path_slot, tree_leaf_start, tab_off, neg, apos, bpos, en_off, en_mask, en_w, fact, block):
    n = X.shape[0]
    p_model = X.shape[1]
    V = value.shape[1]
    T = tree_start.size - 1
    max_nodes = 1
    for t in range(T):
        if tree_start[t + 1] - tree_start[t] > max_nodes:
            max_nodes = tree_start[t + 1] - tree_start[t]
    max_d = 1
    for ell in range(leaf_d.size):
        if leaf_d[ell] > max_d:
            max_d = leaf_d[ell]
    phi = np.zeros((n, n_players, n_out))
    nblocks = (n + block - 1) // block
    for ib in prange(nblocks):
        r0 = ib * block
        B = min(n, r0 + block) - r0
        XT = np.empty((p_model, B))
        for b in range(B):
            for j in range(p_model):
                XT[j, b] = X[r0 + b, j]
        dec = np.zeros((max_nodes, B), np.bool_)
        decb = np.empty(B)
        xm = np.empty(B, np.int64)
        contrib = np.zeros((max_d, B))
        P = np.zeros((n_players, n_out, B))
        for t in range(T):
            s = tree_start[t]
            to = tree_out[t]
            for node in range(s, tree_start[t + 1]):
                if left[node] >= 0:
                    _decide(XT, column[node], node, threshold, flags, cat_off, cat_len, cat_bits, decb)
                    for b in range(B):
                        dec[node - s, b] = decb[b] != 0.0
            for ell in range(tree_leaf_start[t], tree_leaf_start[t + 1]):
                d = leaf_d[ell]
                if d == 0:
                    continue
                full = (np.int64(1) << d) - 1
                for b in range(B):
                    xm[b] = full
                for m in range(path_off[ell], path_off[ell + 1]):
                    nd = path_node[m] - s
                    want = path_dir[m] == 1
                    clear = ~(np.int64(1) << path_slot[m])
                    for b in range(B):
                        if dec[nd, b] != want:
                            xm[b] &= clear
                off = tab_off[ell]
                if off >= 0:
                    for b in range(B):
                        x = xm[b]
                        nx = neg[off + x]
                        ax = apos[off + x]
                        for a in range(d):
                            if (x >> a) & 1:
                                contrib[a, b] = ax - bpos[off + (x ^ (np.int64(1) << a))]
                            else:
                                contrib[a, b] = -nx
                else:
                    for b in range(B):
                        x = xm[b]
                        for a in range(d):
                            contrib[a, b] = 0.0
                        nbx = d - _popcount(x)
                        for e in range(en_off[ell], en_off[ell + 1]):
                            rm = en_mask[e]
                            if (rm | x) != full:
                                continue
                            aa = d - _popcount(rm)
                            if aa + nbx == 0:
                                continue
                            w = en_w[e]
                            wp = w * fact[aa - 1] * fact[nbx] / fact[aa + nbx] if aa >= 1 else 0.0
                            wn = w * fact[aa] * fact[nbx - 1] / fact[aa + nbx] if nbx >= 1 else 0.0
                            for a in range(d):
                                if (x >> a) & 1:
                                    if ((rm >> a) & 1) == 0:
                                        contrib[a, b] += wp
                                else:
                                    contrib[a, b] -= wn
                node = leaf_node[ell]
                so = slot_off[ell]
                for v in range(V):
                    oi = v if to < 0 else to
                    val = value[node, v]
                    for a in range(d):
                        pl = slot_player[so + a]
                        for b in range(B):
                            P[pl, oi, b] += val * contrib[a, b]
        for b in range(B):
            for j in range(n_players):
                for o in range(n_out):
                    phi[r0 + b, j, o] = P[j, o, b]
    return phi


_ROWS = dual_kernel(_row_kernel)


def interventional_shap(ens: TreeEnsemble, summary: Summary, Xm: np.ndarray) -> np.ndarray:
    """Interventional SHAP values (n, n_players, n_outputs) of the raw output."""
    (leaf_node, leaf_d, slot_off, slot_player, slot_z, path_off, path_node, path_dir, path_slot,
     tree_leaf_start) = ens.paths()
    kernel = pick(_ROWS, float(Xm.shape[0]) * ens.n_nodes * 4)
    return kernel(np.ascontiguousarray(Xm, dtype=np.float64), ens.n_players, ens.n_outputs, ens.left,
                  ens.column, ens.threshold, ens.flags, ens.cat_off, ens.cat_len, ens.cat_bits, ens.value,
                  ens.tree_start, ens.tree_out, leaf_node, leaf_d, slot_off, slot_player, path_off,
                  path_node, path_dir, path_slot, tree_leaf_start, summary.tab_off, summary.neg,
                  summary.apos, summary.bpos, summary.en_off, summary.en_mask, summary.en_w, _FACT, 64)


def _pairs_kernel(xmasks, bgmasks, scale, n_players, n_out, value, tree_out, leaf_node, leaf_d, slot_off,
                  slot_player, leaf_tree, fact):
    n = xmasks.shape[0]
    m = bgmasks.shape[0]
    V = value.shape[1]
    n_leaves = leaf_d.size
    phi = np.zeros((n, n_players, n_out))
    for i in prange(n):
        pair = np.zeros((n_players, n_out))
        for r in range(m):
            for j in range(n_players):
                for o in range(n_out):
                    pair[j, o] = 0.0
            for ell in range(n_leaves):
                d = leaf_d[ell]
                if d == 0:
                    continue
                full = (np.int64(1) << d) - 1
                xm = xmasks[i, ell]
                rm = bgmasks[r, ell]
                if (xm | rm) != full or xm == rm:
                    continue
                aa = d - _popcount(rm)
                nb = d - _popcount(xm)
                wp = fact[aa - 1] * fact[nb] / fact[aa + nb] if aa >= 1 else 0.0
                wn = fact[aa] * fact[nb - 1] / fact[aa + nb] if nb >= 1 else 0.0
                node = leaf_node[ell]
                so = slot_off[ell]
                to = tree_out[leaf_tree[ell]]
                for a in range(d):
                    if (xm >> a) & 1:
                        if (rm >> a) & 1:
                            continue
                        c = wp
                    else:
                        c = -wn
                    for v in range(V):
                        oi = v if to < 0 else to
                        pair[slot_player[so + a], oi] += c * value[node, v]
            for j in range(n_players):
                for o in range(n_out):
                    phi[i, j, o] += pair[j, o] * scale[i, r, o]
    return phi


_PAIRS = dual_kernel(_pairs_kernel)


def interventional_shap_pairs(ens: TreeEnsemble, bg_masks: np.ndarray, Xm: np.ndarray,
                              scale: np.ndarray) -> np.ndarray:
    """Sum over background rows of each pair's interventional values times ``scale[i, r, k]``."""
    paths = ens.paths()
    leaf_node, leaf_d, slot_off, slot_player = paths[0], paths[1], paths[2], paths[3]
    tree_leaf_start = paths[9]
    leaf_tree = np.repeat(np.arange(ens.n_trees), np.diff(tree_leaf_start)).astype(np.int64)
    xmasks = background_masks(ens, Xm)
    kernel = pick(_PAIRS, float(Xm.shape[0]) * bg_masks.shape[0] * leaf_d.size)
    return kernel(xmasks, bg_masks, np.ascontiguousarray(scale, dtype=np.float64), ens.n_players,
                  ens.n_outputs, ens.value, ens.tree_out, leaf_node, leaf_d, slot_off, slot_player, leaf_tree,
                  _FACT)
