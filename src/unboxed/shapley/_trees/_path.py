"""Path-dependent Tree SHAP and Shapley interaction values, compiled with numba.

The algorithm
-------------
For one leaf with value ``v`` whose path splits on the distinct features
``N`` (``d`` of them), path-dependent Tree SHAP (Lundberg et al. 2020) values
the coalition ``S`` at ``v * prod_{j in S} o_j * prod_{j not in S} z_j`` where
``o_j`` is 1 when the row satisfies every split on ``j`` along the path and
``z_j`` is the product of the cover ratios of those splits. Writing the
Shapley weights ``|S|! (d - 1 - |S|)! / d!`` as the Beta integral of
``t^|S| (1 - t)^(d - 1 - |S|)`` gives

    phi_i = v (o_i - z_i) * integral_0^1 prod_{j != i} (z_j (1 - t) + o_j t) dt,

the integral of a polynomial of degree ``d - 1``, which a Gauss-Legendre rule
with ``ceil(d / 2)`` nodes computes exactly. This is the polynomial view of
Linear TreeSHAP (Yu et al. 2022) with quadrature instead of interpolation.

Summed over leaves, the polynomial values factor along the tree: with ``g_c(t)``
the factor of the edge into node ``c`` (combined with earlier splits on the
same feature, whose factor it replaces: ``r_c = g_c / g_dp(c)``), ``U_c`` the
product of ``r`` from the root to ``c`` and ``D_c`` the ``r``-weighted sum of
the leaf values below ``c``, the contribution of edge ``c`` to its feature is

    (O_c - Z_c) * sum_q w_q [U_c D_c - sum_{c' : dp(c') = c} U_c' D_c'](t_q) / g_c(t_q)

(the subtraction hands the leaves below a deeper split on the same feature
over to that split). One walk per tree and row, in preorder with a stack
indexed by depth, costs ``O(n_nodes * q)``; rows are handled in blocks so that
the inner loops run over rows (vectorized) and a tree is read once per block.

Shallow trees (every leaf with at most ``max_table_depth`` distinct path
features) take a faster route in the spirit of FastTreeSHAP v2 (Yang 2021):
with ``X`` the set of the leaf's path features whose splits the row satisfies,

    phi_i = -v K[X]                       for i not in X,
    phi_i = v (1 - z_i) / z_i K[X - {i}]   for i in X,

where ``K[X] = sum_{S subset of X} |S|! (d-1-|S|)! / d! * prod_{j not in S} z_j``
depends on the tree alone. ``K`` is tabulated once per leaf (``2^d`` values, a
subset-sum transform), the row's mask ``X`` is carried down the tree with one
bit operation per node, and each leaf then costs ``O(d)`` table reads per row.
Rows are processed in blocks, tree by tree, so a leaf's table stays in cache.

Interaction values use the same leaf game: the Shapley interaction index of
``i != j`` in a product game is

    Phi_ij = v/2 (o_i - z_i)(o_j - z_j) * integral_0^1 prod_{k != i, j} (z_k (1 - t) + o_k t) dt,

computed per leaf (``O(d^2 q)``); the diagonal is ``phi_i - sum_{j != i} Phi_ij``
as in shap.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._format import TreeEnsemble, dual_kernel, gauss_legendre_table, pick

__all__ = ["predict_raw", "path_shap", "path_interactions", "goes_left"]


@njit(cache=True, inline="always")
def goes_left(x, n, threshold, flags, cat_off, cat_len, cat_bits):
    f = flags[n]
    if np.isnan(x):
        return (f & 1) != 0
    if (f & 4) != 0 and abs(x) <= 1e-35:
        return (f & 1) != 0
    if (f & 2) != 0:
        if x < 0.0 or x >= 2147483647.0:
            return False
        c = np.int64(x)
        w = c >> 5
        if w >= cat_len[n]:
            return False
        return ((np.int64(cat_bits[cat_off[n] + w]) >> (c & 31)) & 1) != 0
    return x <= threshold[n]


@njit(cache=True)
def _decide(XT, col, nd, threshold, flags, cat_off, cat_len, cat_bits, out):
    """out[b] = 1.0 where row b of the block goes left at node nd (0.0 otherwise)."""
    f = flags[nd]
    B = XT.shape[1]
    if f <= 1:
        t = threshold[nd]
        dl = f == 1
        for b in range(B):
            x = XT[col, b]
            out[b] = 1.0 if (x <= t) or (dl and x != x) else 0.0
    else:
        for b in range(B):
            out[b] = 1.0 if goes_left(XT[col, b], nd, threshold, flags, cat_off, cat_len, cat_bits) else 0.0


def _predict_kernel(X, left, right, column, threshold, flags, cat_off, cat_len, cat_bits, value, tree_start,
                    tree_out, n_out):
    n = X.shape[0]
    T = tree_start.size - 1
    V = value.shape[1]
    out = np.zeros((n, n_out))
    for i in prange(n):
        for t in range(T):
            node = tree_start[t]
            while left[node] >= 0:
                f = flags[node]
                x = X[i, column[node]]
                if f <= 1:
                    gl = (x <= threshold[node]) or (f == 1 and x != x)
                else:
                    gl = goes_left(x, node, threshold, flags, cat_off, cat_len, cat_bits)
                if gl:
                    node = left[node]
                else:
                    node = right[node]
            k = tree_out[t]
            if k < 0:
                for v in range(V):
                    out[i, v] += value[node, v]
            else:
                out[i, k] += value[node, 0]
    return out


_PREDICT = dual_kernel(_predict_kernel)


def _work(ens: TreeEnsemble, n_rows: int) -> float:
    return float(n_rows) * ens.n_nodes


def predict_raw(ens: TreeEnsemble, Xm: np.ndarray) -> np.ndarray:
    """The ensemble's raw output (n, n_outputs) on model-input rows ``Xm``."""
    Xm = np.ascontiguousarray(Xm, dtype=np.float64)
    kernel = pick(_PREDICT, _work(ens, Xm.shape[0]) / 8)
    out = kernel(Xm, ens.left, ens.right, ens.column, ens.threshold, ens.flags, ens.cat_off,
                 ens.cat_len, ens.cat_bits, ens.value, ens.tree_start, ens.tree_out, ens.n_outputs)
    return out + ens.offset[None, :]


def _path_kernel(X, n_players, n_out, left, column, player, threshold, flags, cat_off, cat_len, cat_bits,
                 value, depth, dp, zc, tree_start, tree_out, tree_q, max_depth, gl_t, gl_w, block, trees):
    n = X.shape[0]
    p_model = X.shape[1]
    V = value.shape[1]
    maxQ = gl_t.shape[0]
    nb = (n + block - 1) // block
    phi = np.zeros((n, n_players, n_out))
    L = max_depth + 1
    for ib in prange(nb):
        r0 = ib * block
        r1 = min(n, r0 + block)
        B = r1 - r0
        XT = np.empty((p_model, B))
        for b in range(B):
            for j in range(p_model):
                XT[j, b] = X[r0 + b, j]
        P = np.zeros((n_players, n_out, B))
        G = np.ones((L, maxQ, B))
        U = np.ones((L, maxQ, B))
        R = np.ones((L, maxQ, B))
        D = np.zeros((L, V, maxQ, B))
        ACC = np.zeros((L, V, maxQ, B))
        O = np.ones((L, B))
        DEC = np.zeros((L, B))
        NODE = np.zeros(L, np.int64)
        S = np.zeros(B)
        for it in range(trees.size):
            t = trees[it]
            s = tree_start[t]
            e = tree_start[t + 1]
            if left[s] < 0:
                continue
            Q = tree_q[t]
            to = tree_out[t]
            NODE[0] = s
            for q in range(Q):
                for b in range(B):
                    U[0, q, b] = 1.0
                    G[0, q, b] = 1.0
            for v in range(V):
                for q in range(Q):
                    for b in range(B):
                        D[0, v, q, b] = 0.0
                        ACC[0, v, q, b] = 0.0
            for b in range(B):
                O[0, b] = 1.0
            _decide(XT, column[s], s, threshold, flags, cat_off, cat_len, cat_bits, DEC[0])
            top = 0
            for c in range(s + 1, e + 1):
                k = depth[c] if c < e else 1
                # close the finished levels
                while top >= k:
                    cn = NODE[top]
                    zk = zc[cn]
                    pl = player[NODE[top - 1]]
                    d = dp[cn]
                    kd = depth[d] if d >= 0 else -1
                    for v in range(V):
                        oi = v if to < 0 else to
                        for b in range(B):
                            S[b] = 0.0
                        for q in range(Q):
                            wq = gl_w[Q - 1, q]
                            for b in range(B):
                                g = G[top, q, b]
                                w_ = U[top, q, b] * D[top, v, q, b]
                                if g != 0.0:
                                    S[b] += wq * (w_ - ACC[top, v, q, b]) / g
                                if kd >= 0:
                                    ACC[kd, v, q, b] += w_
                                D[top - 1, v, q, b] += R[top, q, b] * D[top, v, q, b]
                        for b in range(B):
                            P[pl, oi, b] += (O[top, b] - zk) * S[b]
                    top -= 1
                if c == e:
                    break
                # open node c at level k
                pn = NODE[k - 1]
                is_left = left[pn] == c
                zk = zc[c]
                d = dp[c]
                kd = depth[d] if d >= 0 else -1
                for b in range(B):
                    o = DEC[k - 1, b] if is_left else 1.0 - DEC[k - 1, b]
                    O[k, b] = o * O[kd, b] if kd >= 0 else o
                for q in range(Q):
                    tq = gl_t[Q - 1, q]
                    for b in range(B):
                        g = zk * (1.0 - tq) + O[k, b] * tq
                        G[k, q, b] = g
                        if kd >= 0:
                            gp = G[kd, q, b]
                            r = g / gp if gp != 0.0 else 0.0
                        else:
                            r = g
                        R[k, q, b] = r
                        U[k, q, b] = U[k - 1, q, b] * r
                NODE[k] = c
                if left[c] < 0:
                    for v in range(V):
                        val = value[c, v]
                        for q in range(Q):
                            for b in range(B):
                                D[k, v, q, b] = val
                                ACC[k, v, q, b] = 0.0
                else:
                    for v in range(V):
                        for q in range(Q):
                            for b in range(B):
                                D[k, v, q, b] = 0.0
                                ACC[k, v, q, b] = 0.0
                    _decide(XT, column[c], c, threshold, flags, cat_off, cat_len, cat_bits, DEC[k])
                top = k
        for b in range(B):
            for j in range(n_players):
                for o in range(n_out):
                    phi[r0 + b, j, o] = P[j, o, b]
    return phi


_PATH = dual_kernel(_path_kernel)


def _gl(ens: TreeEnsemble):
    qmax = int(ens.tree_q.max()) if ens.tree_q.size else 1
    return gauss_legendre_table(max(1, qmax))


def _table_kernel(X, n_players, n_out, left, right, column, threshold, flags, cat_off, cat_len, cat_bits,
                  value, tree_start, tree_out, trees, node_slot, node_leaf, leaf_d, slot_off, slot_player, tab_off,
                  tab, coef, block):
    n = X.shape[0]
    p_model = X.shape[1]
    V = value.shape[1]
    max_nodes = 1
    for it in range(trees.size):
        t = trees[it]
        if tree_start[t + 1] - tree_start[t] > max_nodes:
            max_nodes = tree_start[t + 1] - tree_start[t]
    phi = np.zeros((n, n_players, n_out))
    nb = (n + block - 1) // block
    for ib in prange(nb):
        r0 = ib * block
        B = min(n, r0 + block) - r0
        XT = np.empty((p_model, B))
        for b in range(B):
            for j in range(p_model):
                XT[j, b] = X[r0 + b, j]
        P = np.zeros((n_players, n_out, B))
        M = np.empty((max_nodes, B), np.int64)
        xm = np.empty(B, np.int64)
        kx = np.empty(B)
        cb = np.empty(B)
        dec = np.empty(B)
        for it in range(trees.size):
            t = trees[it]
            s = tree_start[t]
            to = tree_out[t]
            for b in range(B):
                M[0, b] = -1
            for nd in range(s, tree_start[t + 1]):
                if left[nd] >= 0:
                    col = column[nd]
                    le = left[nd]
                    ri = right[nd]
                    sl = node_slot[le]
                    sr = node_slot[ri]
                    _decide(XT, col, nd, threshold, flags, cat_off, cat_len, cat_bits, dec)
                    for b in range(B):
                        m = M[nd - s, b]
                        g = np.int64(dec[b])
                        M[le - s, b] = m & ~((1 - g) << sl)
                        M[ri - s, b] = m & ~(g << sr)
                    continue
                ell = node_leaf[nd]
                d = leaf_d[ell]
                if d == 0:
                    continue
                full = (np.int64(1) << d) - 1
                off = tab_off[ell]
                so = slot_off[ell]
                for b in range(B):
                    x = M[nd - s, b] & full
                    xm[b] = x
                    kx[b] = tab[off + x]
                for a in range(d):
                    pl = slot_player[so + a]
                    bit = np.int64(1) << a
                    ca = coef[so + a]
                    for b in range(B):
                        x = xm[b]
                        h = np.float64((x >> a) & 1)
                        cb[b] = h * ca * tab[off + (x & ~bit)] - (1.0 - h) * kx[b]
                    for v in range(V):
                        oi = v if to < 0 else to
                        val = value[nd, v]
                        for b in range(B):
                            P[pl, oi, b] += val * cb[b]
        for b in range(B):
            for j in range(n_players):
                for o in range(n_out):
                    phi[r0 + b, j, o] = P[j, o, b]
    return phi


_TABLE = dual_kernel(_table_kernel)


def path_shap(ens: TreeEnsemble, Xm: np.ndarray, block: int = 64, max_table_depth: int = 10) -> np.ndarray:
    """Path-dependent SHAP values (n, n_players, n_outputs) of model-input rows ``Xm``.

    Trees whose leaves have at most ``max_table_depth`` distinct path features
    use precomputed per-leaf tables (``O(depth)`` per leaf and row); deeper trees
    use the edge kernel (``O(n_nodes * depth / 2)`` per tree and row).
    """
    Xm = np.ascontiguousarray(Xm, dtype=np.float64)
    n = Xm.shape[0]
    table_trees, edge_trees, node_slot, node_leaf, tab_off, tab, coef = ens.path_tables(max_table_depth)
    paths = ens.paths()
    out = None
    if table_trees.size:
        sizes = np.diff(ens.tree_start)
        kernel = pick(_TABLE, float(n) * sizes[table_trees].sum() * 2)
        out = kernel(Xm, ens.n_players, ens.n_outputs, ens.left, ens.right, ens.column, ens.threshold, ens.flags,
                     ens.cat_off, ens.cat_len, ens.cat_bits, ens.value, ens.tree_start, ens.tree_out, table_trees,
                     node_slot, node_leaf, paths[1], paths[2], paths[3], tab_off, tab, coef, int(block))
    if edge_trees.size:
        gl_t, gl_w = _gl(ens)
        sizes = np.diff(ens.tree_start)
        kernel = pick(_PATH, float(n) * sizes[edge_trees].sum() * (1 + int(ens.tree_q.max(initial=1))))
        res = kernel(Xm, ens.n_players, ens.n_outputs, ens.left, ens.column, ens.player, ens.threshold,
                     ens.flags, ens.cat_off, ens.cat_len, ens.cat_bits, ens.value, ens.depth, ens.dp, ens.zc,
                     ens.tree_start, ens.tree_out, ens.tree_q, ens.max_depth, gl_t, gl_w, int(block), edge_trees)
        out = res if out is None else out + res
    if out is None:
        out = np.zeros((n, ens.n_players, ens.n_outputs))
    return out


def _interaction_kernel(X, n_players, n_out, left, column, threshold, flags, cat_off, cat_len, cat_bits, value,
                        tree_start, tree_out, tree_q, gl_t, gl_w, leaf_node, leaf_d, slot_off, slot_player,
                        slot_z, path_off, path_node, path_dir, path_slot, tree_leaf_start):
    n = X.shape[0]
    V = value.shape[1]
    T = tree_start.size - 1
    maxQ = gl_t.shape[0]
    max_nodes = 1
    max_d = 1
    for t in range(T):
        if tree_start[t + 1] - tree_start[t] > max_nodes:
            max_nodes = tree_start[t + 1] - tree_start[t]
    for ell in range(leaf_d.size):
        if leaf_d[ell] > max_d:
            max_d = leaf_d[ell]
    out = np.zeros((n, n_players, n_players, n_out))
    for i in prange(n):
        dec = np.zeros(max_nodes, np.bool_)
        o = np.ones(max_d)
        g = np.ones((max_d, maxQ))
        pre = np.ones((max_d + 1, maxQ))
        suf = np.ones((max_d + 1, maxQ))
        h = np.ones((max_d, maxQ))
        main = np.zeros(max_d)
        pair = np.zeros((max_d, max_d))
        phi = np.zeros((n_players, n_out))
        for t in range(T):
            s = tree_start[t]
            Q = tree_q[t]
            to = tree_out[t]
            for node in range(s, tree_start[t + 1]):
                if left[node] >= 0:
                    f = flags[node]
                    x = X[i, column[node]]
                    if f <= 1:
                        dec[node - s] = (x <= threshold[node]) or (f == 1 and x != x)
                    else:
                        dec[node - s] = goes_left(x, node, threshold, flags, cat_off, cat_len, cat_bits)
            for ell in range(tree_leaf_start[t], tree_leaf_start[t + 1]):
                d = leaf_d[ell]
                if d == 0:
                    continue
                so = slot_off[ell]
                for a in range(d):
                    o[a] = 1.0
                for m in range(path_off[ell], path_off[ell + 1]):
                    went_left = dec[path_node[m] - s]
                    if went_left != (path_dir[m] == 1):
                        o[path_slot[m]] = 0.0
                for a in range(d):
                    za = slot_z[so + a]
                    for q in range(Q):
                        tq = gl_t[Q - 1, q]
                        g[a, q] = za * (1.0 - tq) + o[a] * tq
                for a in range(d):
                    main[a] = 0.0
                    for b2 in range(d):
                        pair[a, b2] = 0.0
                for a in range(d):
                    ca = o[a] - slot_z[so + a]
                    if ca == 0.0:
                        continue
                    # products without a, then without a and each b2
                    for m in range(d):
                        for q in range(Q):
                            h[m, q] = 1.0 if m == a else g[m, q]
                    for q in range(Q):
                        pre[0, q] = 1.0
                        suf[d, q] = 1.0
                    for m in range(d):
                        for q in range(Q):
                            pre[m + 1, q] = pre[m, q] * h[m, q]
                    for m in range(d - 1, -1, -1):
                        for q in range(Q):
                            suf[m, q] = suf[m + 1, q] * h[m, q]
                    acc = 0.0
                    for q in range(Q):
                        acc += gl_w[Q - 1, q] * pre[d, q]
                    main[a] = ca * acc
                    for b2 in range(a + 1, d):
                        cb = o[b2] - slot_z[so + b2]
                        if cb == 0.0:
                            continue
                        acc = 0.0
                        for q in range(Q):
                            acc += gl_w[Q - 1, q] * pre[b2, q] * suf[b2 + 1, q]
                        pair[a, b2] = 0.5 * ca * cb * acc
                node = leaf_node[ell]
                for v in range(V):
                    oi = v if to < 0 else to
                    val = value[node, v]
                    for a in range(d):
                        pa = slot_player[so + a]
                        phi[pa, oi] += val * main[a]
                        for b2 in range(a + 1, d):
                            pb = slot_player[so + b2]
                            x_ = val * pair[a, b2]
                            out[i, pa, pb, oi] += x_
                            out[i, pb, pa, oi] += x_
        for j in range(n_players):
            for oi in range(n_out):
                off = 0.0
                for j2 in range(n_players):
                    if j2 != j:
                        off += out[i, j, j2, oi]
                out[i, j, j, oi] = phi[j, oi] - off
    return out


_INTERACTIONS = dual_kernel(_interaction_kernel)


def path_interactions(ens: TreeEnsemble, Xm: np.ndarray) -> np.ndarray:
    """Path-dependent SHAP interaction values (n, p, p, n_outputs) of model-input rows ``Xm``."""
    Xm = np.ascontiguousarray(Xm, dtype=np.float64)
    gl_t, gl_w = _gl(ens)
    (leaf_node, leaf_d, slot_off, slot_player, slot_z, path_off, path_node, path_dir, path_slot,
     tree_leaf_start) = ens.paths()
    kernel = pick(_INTERACTIONS, _work(ens, Xm.shape[0]) * ens.n_players)
    return kernel(Xm, ens.n_players, ens.n_outputs, ens.left, ens.column, ens.threshold, ens.flags,
                  ens.cat_off, ens.cat_len, ens.cat_bits, ens.value, ens.tree_start, ens.tree_out,
                  ens.tree_q, gl_t, gl_w, leaf_node, leaf_d, slot_off, slot_player, slot_z, path_off,
                  path_node, path_dir, path_slot, tree_leaf_start)
