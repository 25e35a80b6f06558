"""One array format for every tree ensemble.

All trees are concatenated, each in preorder (a parent comes before its
children, the left subtree before the right one), so that a kernel walks a
tree with a plain loop and a stack indexed by depth. Every node has

* ``left`` / ``right``: absolute child indices (-1 at a leaf),
* ``column``: the column of the *model input* it tests and ``player``: the
  feature (of the explained data) that column comes from,
* ``threshold`` and ``flags``: go left when ``x <= threshold``; bit 0 of
  ``flags``: missing values go left; bit 1: a categorical split (go left when
  the integer category is in the node's bitset ``cat_bits[cat_off:cat_off +
  cat_len]``); bit 2: LightGBM's zero-as-missing,
* ``cover``: the training weight that reached the node,
* ``value`` (n_nodes, V): the leaf values (V = 1, or one per output).

Derived arrays hold, for every non-root node ``c`` (the edge from its parent):
``depth``, ``parent``, ``zc`` (the product of cover ratios of all edges on the
path to ``c`` that split on the same feature, ``c`` included) and ``dp`` (the
nearest ancestor edge on the same feature, -1 if none). Per tree:
``tree_out`` (the output a tree adds to, -1 for all) and ``tree_q`` (the
number of Gauss-Legendre nodes that integrate its Shapley weights exactly).

:class:`InputMap` turns the float64 encoding of the explained data into the
matrix the trees compare against (category codes of the model, float32
rounding where the library compares in float32).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

__all__ = ["RawTree", "TreeEnsemble", "InputMap", "build_ensemble", "gauss_legendre_table", "dual_kernel",
           "pick"]

#: Below this many (row x node) steps a kernel runs on one thread: waking a thread pool costs more.
PARALLEL_MIN_WORK = 2_000_000


def dual_kernel(fn):
    """Compile ``fn`` twice: multi-threaded (``prange`` over rows) and single-threaded.

    Returns ``(parallel, serial)``. The serial twin is a copy of the function
    under another name, so that the two keep separate on-disk caches.
    """
    import types
    par = njit(parallel=True, cache=True, fastmath=False)(fn)
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial", fn.__defaults__,
                              fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + "_serial"
    twin.__module__ = fn.__module__
    ser = njit(parallel=False, cache=True, fastmath=False)(twin)
    return par, ser


def pick(kernels, work: float):
    """The parallel kernel for big work with several numba threads, else the serial one."""
    import numba
    par, ser = kernels
    return par if work >= PARALLEL_MIN_WORK and numba.get_num_threads() > 1 else ser

FLAG_DEFAULT_LEFT = 1
FLAG_CATEGORICAL = 2
FLAG_ZERO_MISSING = 4


@dataclass
class RawTree:
    """One tree as a parser hands it over (local node indices, any order, root 0)."""

    left: np.ndarray
    right: np.ndarray
    column: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray
    cover: np.ndarray
    value: np.ndarray  # (n_nodes, V)
    output: int = -1
    categorical: np.ndarray | None = None
    cat_left: dict | None = None  # node -> iterable of integer categories that go left
    zero_missing: np.ndarray | None = None


@dataclass
class InputMap:
    """From the encoded data ``Z`` (n, p) to the model's input matrix (n, p_model).

    Attributes
    ----------
    source : ndarray of int (p_model,)
        The column of ``Z`` each model column is read from.
    lookups : dict
        model column -> float array: an encoded category code ``c`` becomes
        ``lookup[c]`` (NaN for a category the model never saw).
    known : dict
        model column -> sorted array of known values; other values become NaN
        (scikit-learn's histogram boosting treats unknown categories as missing).
    value_maps : dict
        model column -> (sorted values, their model codes): a raw value becomes
        its code (NaN for a value the model never saw).
    float32 : bool
        Round to float32 first, as the library does before comparing.
    """

    source: np.ndarray
    lookups: dict = field(default_factory=dict)
    known: dict = field(default_factory=dict)
    float32: bool = False
    value_maps: dict = field(default_factory=dict)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(Z[:, self.source], dtype=np.float64)
        for c, table in self.lookups.items():
            z = X[:, c]
            ok = np.isfinite(z) & (z >= 0) & (z < table.size)
            out = np.full(z.shape, np.nan)
            out[ok] = table[z[ok].astype(np.int64)]
            X[:, c] = out
        for c, (vals, codes) in self.value_maps.items():
            z = X[:, c]
            pos = np.clip(np.searchsorted(vals, z), 0, max(vals.size - 1, 0))
            hit = (vals.size > 0) & (vals[pos] == z) if vals.size else np.zeros(z.shape, bool)
            X[:, c] = np.where(hit, codes[pos] if codes.size else np.nan, np.nan)
        for c, values in self.known.items():
            z = X[:, c]
            X[:, c] = np.where(np.isin(z, values), z, np.nan)
        if self.float32:
            with np.errstate(over="ignore"):
                X = X.astype(np.float32).astype(np.float64)
        return X


def gauss_legendre_table(max_q: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]: row ``q - 1`` holds the ``q``-point rule."""
    t = np.zeros((max_q, max_q))
    w = np.zeros((max_q, max_q))
    for q in range(1, max_q + 1):
        x, wx = np.polynomial.legendre.leggauss(q)
        t[q - 1, :q] = (x + 1.0) / 2.0
        w[q - 1, :q] = wx / 2.0
    return t, w


@njit(cache=True)
def _preorder(left, right):
    n = left.size
    order = np.empty(n, np.int64)
    stack = np.empty(n + 1, np.int64)
    top = 0
    stack[0] = 0
    k = 0
    seen = np.zeros(n, np.bool_)
    while top >= 0:
        i = stack[top]
        top -= 1
        if i < 0 or i >= n or seen[i]:
            return order[:0]  # not a tree
        seen[i] = True
        order[k] = i
        k += 1
        if left[i] >= 0:
            top += 1
            stack[top] = right[i]
            top += 1
            stack[top] = left[i]
    return order[:k]


@njit(cache=True)
def _derive(left, right, player, cover, tree_start):
    N = left.size
    T = tree_start.size - 1
    depth = np.zeros(N, np.int32)
    parent = np.full(N, -1, np.int64)
    dp = np.full(N, -1, np.int64)
    zc = np.ones(N)
    nuniq = np.zeros(N, np.int32)
    tree_maxd = np.zeros(T, np.int32)
    tree_depth = np.zeros(T, np.int32)
    for t in range(T):
        for n in range(tree_start[t], tree_start[t + 1]):
            if left[n] < 0:
                if nuniq[n] > tree_maxd[t]:
                    tree_maxd[t] = nuniq[n]
                if depth[n] > tree_depth[t]:
                    tree_depth[t] = depth[n]
                continue
            for side in range(2):
                c = left[n] if side == 0 else right[n]
                parent[c] = n
                depth[c] = depth[n] + 1
                z = cover[c] / cover[n] if cover[n] > 0 else 0.0
                found = -1
                a = n
                while parent[a] >= 0:
                    if player[parent[a]] == player[n]:
                        found = a
                        break
                    a = parent[a]
                dp[c] = found
                zc[c] = z * (zc[found] if found >= 0 else 1.0)
                nuniq[c] = nuniq[n] + (1 if found < 0 else 0)
    return depth, parent, dp, zc, tree_maxd, tree_depth


@njit(cache=True)
def _leaf_paths(left, player, parent, dp, zc, depth, tree_start):
    N = left.size
    T = tree_start.size - 1
    n_leaves = 0
    n_path = 0
    for i in range(N):
        if left[i] < 0:
            n_leaves += 1
            n_path += depth[i]
    leaf_node = np.empty(n_leaves, np.int64)
    leaf_d = np.empty(n_leaves, np.int32)
    slot_off = np.empty(n_leaves + 1, np.int64)
    path_off = np.empty(n_leaves + 1, np.int64)
    tree_leaf_start = np.empty(T + 1, np.int64)
    slot_player = np.empty(n_path, np.int64)
    slot_z = np.empty(n_path)
    path_node = np.empty(n_path, np.int64)
    path_dir = np.empty(n_path, np.uint8)
    path_slot = np.empty(n_path, np.int32)
    slot_of = np.full(N, -1, np.int32)
    edges = np.empty(N, np.int64)
    ell = 0
    so = 0
    po = 0
    for t in range(T):
        tree_leaf_start[t] = ell
        for i in range(tree_start[t], tree_start[t + 1]):
            if left[i] >= 0:
                continue
            # collect the edges from the root down to i
            k = depth[i]
            c = i
            while parent[c] >= 0:
                k -= 1
                edges[k] = c
                c = parent[c]
            d = 0
            slot_off[ell] = so
            path_off[ell] = po
            for j in range(depth[i]):
                b = edges[j]
                a = parent[b]
                if dp[b] < 0:
                    s = d
                    d += 1
                    slot_player[so + s] = player[a]
                else:
                    s = slot_of[dp[b]]
                slot_of[b] = s
                slot_z[so + s] = zc[b]
                path_node[po + j] = a
                path_dir[po + j] = 1 if left[a] == b else 0
                path_slot[po + j] = s
            leaf_node[ell] = i
            leaf_d[ell] = d
            so += d
            po += depth[i]
            ell += 1
    tree_leaf_start[T] = ell
    slot_off[n_leaves] = so
    path_off[n_leaves] = po
    return (leaf_node, leaf_d, slot_off, slot_player[:so], slot_z[:so], path_off, path_node, path_dir,
            path_slot, tree_leaf_start)


@njit(cache=True)
def _node_slots(left, parent, dp, tree_start):
    """Slot of the edge into each node: the rank of its feature among the distinct features on the path."""
    N = left.size
    slot = np.zeros(N, np.int32)
    nsl = np.zeros(N, np.int32)
    for t in range(tree_start.size - 1):
        for c in range(tree_start[t] + 1, tree_start[t + 1]):
            par = parent[c]
            if dp[c] < 0:
                slot[c] = nsl[par]
                nsl[c] = nsl[par] + 1
            else:
                slot[c] = slot[dp[c]]
                nsl[c] = nsl[par]
    return slot


@njit(cache=True)
def _path_tables(leaf_d, slot_off, slot_z, tab_off, fact, tab, coef):
    """K[X] = sum_{S subset of X} |S|! (d-1-|S|)! / d! * prod_{j not in S} z_j for every leaf and mask X."""
    for ell in range(leaf_d.size):
        off = tab_off[ell]
        if off < 0:
            continue
        d = leaf_d[ell]
        so = slot_off[ell]
        size = 1 << d
        for S in range(size):
            c = 0
            prod = 1.0
            for a in range(d):
                if (S >> a) & 1:
                    c += 1
                else:
                    prod *= slot_z[so + a]
            tab[off + S] = fact[c] * fact[d - 1 - c] / fact[d] * prod
        for a in range(d):
            bit = 1 << a
            for S in range(size):
                if S & bit:
                    tab[off + S] += tab[off + (S ^ bit)]
        for a in range(d):
            z = slot_z[so + a]
            coef[so + a] = (1.0 - z) / z


@dataclass
class TreeEnsemble:
    """All trees of a model in one set of flat arrays (see the module docstring)."""

    left: np.ndarray
    right: np.ndarray
    column: np.ndarray
    player: np.ndarray
    threshold: np.ndarray
    flags: np.ndarray
    cat_off: np.ndarray
    cat_len: np.ndarray
    cat_bits: np.ndarray
    cover: np.ndarray
    value: np.ndarray
    tree_start: np.ndarray
    tree_out: np.ndarray
    n_outputs: int
    offset: np.ndarray
    n_players: int
    input_map: InputMap
    kind: str = ""
    raw_is_proba: bool = False
    link: str = "identity"  # "identity", "logistic" or "softmax": raw margin -> probability
    output_names: tuple = ()
    #: the model's own raw output is this multiple of the trees' sum (lightgbm's random-forest mode
    #: averages its trees in ``predict`` but returns their plain sum as ``raw_score``)
    model_raw_scale: float = 1.0
    # derived
    depth: np.ndarray = field(default=None, repr=False)
    parent: np.ndarray = field(default=None, repr=False)
    dp: np.ndarray = field(default=None, repr=False)
    zc: np.ndarray = field(default=None, repr=False)
    tree_q: np.ndarray = field(default=None, repr=False)
    tree_maxd: np.ndarray = field(default=None, repr=False)
    max_depth: int = 0
    _paths: Any = field(default=None, repr=False)
    _tables: Any = field(default=None, repr=False)

    @property
    def n_trees(self) -> int:
        return self.tree_start.size - 1

    @property
    def n_nodes(self) -> int:
        return self.left.size

    def paths(self):
        """Per-leaf path arrays (computed once): see :func:`_leaf_paths`."""
        if self._paths is None:
            self._paths = _leaf_paths(self.left, self.player, self.parent, self.dp, self.zc, self.depth,
                                      self.tree_start)
        return self._paths

    def path_tables(self, max_d: int = 10, budget_bytes: int = 512 * 2**20):
        """Per-leaf tables for the table kernel of path-dependent Tree SHAP (computed once).

        A tree uses tables when every leaf has at most ``max_d`` distinct path
        features and no zero cover ratio; the others use the edge kernel. Returns
        ``(table_trees, edge_trees, node_slot, node_leaf, tab_off, tab, coef)``.
        """
        key = (max_d, budget_bytes)
        if self._tables is not None and self._tables[0] == key:
            return self._tables[1]
        (leaf_node, leaf_d, slot_off, slot_player, slot_z, path_off, path_node, path_dir, path_slot,
         tree_leaf_start) = self.paths()
        T = self.n_trees
        leaf_tree = np.repeat(np.arange(T), np.diff(tree_leaf_start))
        bad_leaf = leaf_d > max_d
        if slot_z.size:
            tiny = np.zeros(leaf_d.size, bool)
            small = slot_z < 1e-200
            if small.any():
                owner = np.repeat(np.arange(leaf_d.size), leaf_d)
                tiny[owner[small]] = True
            bad_leaf |= tiny
        bad_tree = np.zeros(T, bool)
        bad_tree[leaf_tree[bad_leaf]] = True
        sizes = np.left_shift(np.int64(1), np.minimum(leaf_d, 62).astype(np.int64))
        per_tree = np.bincount(leaf_tree, weights=sizes.astype(float), minlength=T)
        ok = ~bad_tree
        # keep within the memory budget: drop the trees with the largest tables first
        if (per_tree[ok].sum() * 8) > budget_bytes:
            order = np.argsort(np.where(ok, per_tree, np.inf))
            cum = np.cumsum(per_tree[order] * 8)
            ok[:] = False
            ok[order[cum <= budget_bytes]] = True
            ok &= ~bad_tree
        use_leaf = ok[leaf_tree]
        tab_off = np.full(leaf_d.size, -1, np.int64)
        sz = np.where(use_leaf, sizes, 0)
        tab_off[use_leaf] = (np.cumsum(sz) - sz)[use_leaf]
        tab = np.zeros(max(1, int(sz.sum())))
        coef = np.zeros(max(1, slot_z.size))
        from ._interventional import _FACT
        _path_tables(leaf_d, slot_off, slot_z, tab_off, _FACT, tab, coef)
        node_slot = _node_slots(self.left, self.parent, self.dp, self.tree_start)
        node_leaf = np.full(self.n_nodes, -1, np.int64)
        node_leaf[leaf_node] = np.arange(leaf_node.size)
        out = (np.flatnonzero(ok).astype(np.int64), np.flatnonzero(~ok).astype(np.int64), node_slot, node_leaf,
               tab_off, tab, coef)
        self._tables = (key, out)
        return out

    def expected_value(self) -> np.ndarray:
        """Cover-weighted mean raw output (n_outputs,): the path-dependent base value."""
        out = self.offset.astype(np.float64).copy()
        is_leaf = self.left < 0
        roots = self.tree_start[:-1]
        tree_of = np.repeat(np.arange(self.n_trees), np.diff(self.tree_start))
        root_cover = self.cover[roots][tree_of]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(root_cover > 0, self.cover / root_cover, 0.0)
        w = np.where(is_leaf, w, 0.0)
        contrib = self.value * w[:, None]
        per_tree = np.add.reduceat(contrib, self.tree_start[:-1], axis=0) if self.n_nodes else contrib
        for t in range(self.n_trees):
            k = self.tree_out[t]
            if k < 0:
                out += per_tree[t]
            else:
                out[k] += per_tree[t, 0]
        return out


def build_ensemble(trees: list[RawTree], *, n_outputs: int, offset: Any, player_of_column: np.ndarray,
                   n_players: int, input_map: InputMap, kind: str, raw_is_proba: bool = False,
                   link: str = "identity", output_names: tuple = ()) -> TreeEnsemble:
    """Concatenate parsed trees (reordered to preorder) and derive the path arrays."""
    if not trees:
        raise ValueError(f"the {kind} model has no trees")
    V = trees[0].value.shape[1]
    lefts, rights, cols, thrs, flags, covers, values = [], [], [], [], [], [], []
    cat_off_l, cat_len_l, bits = [], [], []
    nbits = 0
    starts = [0]
    for tr in trees:
        if tr.value.shape[1] != V:
            raise ValueError("all trees must have the same number of values per leaf")
        left = np.asarray(tr.left, dtype=np.int64)
        right = np.asarray(tr.right, dtype=np.int64)
        order = _preorder(left, right)
        if order.size == 0:
            raise ValueError(f"the {kind} model holds a tree whose children do not form a tree")
        new = np.full(left.size, -1, np.int64)
        new[order] = np.arange(order.size)
        base = starts[-1]
        lo, ro = left[order], right[order]
        is_leaf = lo < 0
        lefts.append(np.where(is_leaf, -1, new[np.maximum(lo, 0)] + base))
        rights.append(np.where(is_leaf, -1, new[np.maximum(ro, 0)] + base))
        col = np.asarray(tr.column, dtype=np.int64)[order]
        cols.append(np.where(is_leaf, -1, col))
        thrs.append(np.asarray(tr.threshold, dtype=np.float64)[order])
        fl = np.asarray(tr.default_left, dtype=np.uint8)[order] * FLAG_DEFAULT_LEFT
        if tr.zero_missing is not None:
            fl = fl | (np.asarray(tr.zero_missing, dtype=np.uint8)[order] * FLAG_ZERO_MISSING)
        co = np.zeros(order.size, np.int64)
        cl = np.zeros(order.size, np.int64)
        if tr.categorical is not None and np.any(tr.categorical):
            cat = np.asarray(tr.categorical, dtype=bool)[order]
            fl = fl | (cat.astype(np.uint8) * FLAG_CATEGORICAL)
            for i_new in np.flatnonzero(cat & ~is_leaf):
                cats = np.asarray(list(tr.cat_left.get(int(order[i_new]), ())), dtype=np.int64)
                cats = cats[cats >= 0]
                nw = int(cats.max() // 32 + 1) if cats.size else 1
                word = np.zeros(nw, np.uint32)
                for c in cats.tolist():
                    word[c >> 5] |= np.uint32(1 << (c & 31))
                co[i_new] = nbits
                cl[i_new] = nw
                bits.append(word)
                nbits += nw
        fl = np.where(is_leaf, 0, fl).astype(np.uint8)
        flags.append(fl)
        cat_off_l.append(co)
        cat_len_l.append(cl)
        covers.append(np.asarray(tr.cover, dtype=np.float64)[order])
        values.append(np.asarray(tr.value, dtype=np.float64)[order])
        starts.append(base + order.size)
    left = np.concatenate(lefts)
    column = np.concatenate(cols)
    player_of_column = np.asarray(player_of_column, dtype=np.int64)
    player = np.where(column >= 0, player_of_column[np.maximum(column, 0)], -1)
    value = np.ascontiguousarray(np.concatenate(values))
    value[left >= 0] = 0.0
    ens = TreeEnsemble(
        left=left, right=np.concatenate(rights), column=column, player=player,
        threshold=np.concatenate(thrs), flags=np.concatenate(flags),
        cat_off=np.concatenate(cat_off_l), cat_len=np.concatenate(cat_len_l),
        cat_bits=np.concatenate(bits) if bits else np.zeros(1, np.uint32),
        cover=np.concatenate(covers), value=value,
        tree_start=np.asarray(starts, dtype=np.int64),
        tree_out=np.asarray([tr.output for tr in trees], dtype=np.int64),
        n_outputs=int(n_outputs), offset=np.broadcast_to(np.asarray(offset, dtype=np.float64), (n_outputs,)).copy(),
        n_players=int(n_players), input_map=input_map, kind=kind, raw_is_proba=raw_is_proba, link=link,
        output_names=tuple(output_names),
    )
    if not np.all(np.isfinite(ens.value)) or not np.all(np.isfinite(ens.cover)):
        raise ValueError(f"the {kind} model has non-finite leaf values or covers")
    if np.any(ens.cover < 0):
        raise ValueError(f"the {kind} model has negative node covers; Tree SHAP needs non-negative weights")
    depth, parent, dp, zc, tree_maxd, tree_depth = _derive(ens.left, ens.right, ens.player, ens.cover,
                                                           ens.tree_start)
    ens.depth, ens.parent, ens.dp, ens.zc = depth, parent, dp, zc
    ens.tree_maxd = tree_maxd
    ens.tree_q = np.maximum(1, (tree_maxd + 1) // 2).astype(np.int64)
    ens.max_depth = int(tree_depth.max()) if tree_depth.size else 0
    return ens
