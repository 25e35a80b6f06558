"""Result types: frozen dataclasses with a fixed axis order and provenance.

=================  ==========================================================
type               main array and its axes
=================  ==========================================================
``Attribution``    ``values (n_rows, n_features, n_outputs)``
``Importance``     ``values (n_features, n_outputs)``, ``per_repeat (n_repeats, n_features, n_outputs)``
``Effect``         ``average (g1[, g2], n_outputs)``, ``individual (n_rows, g1[, g2], n_outputs)``
``Interaction``    ``values (n_pairs, n_outputs)``
=================  ==========================================================

Every result slices so that all of its fields move together, converts to a
tidy :class:`pandas.DataFrame` with ``to_frame()``, and round-trips through a
versioned JSON form (``to_json`` / ``from_json`` / :func:`load`). Arrays are
stored read-only; slicing returns new results and never a view that can be
written through. A flag never changes the type that comes back.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["Provenance", "Result", "Attribution", "Importance", "Effect", "Effects", "Interaction", "load",
           "FORMAT", "SCHEMA_VERSION"]

FORMAT = "unboxed.result"
SCHEMA_VERSION = 1

_REGISTRY: dict[str, type] = {}


def _version() -> str:
    try:
        from . import __version__
        return __version__
    except Exception:  # pragma: no cover - during import
        return "0+unknown"


# ------------------------------------------------------------------ JSON
def _jsonable_scalar(v: Any) -> Any:
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isfinite(f):
            return f
        return {"__float__": "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")}
    if v is None or isinstance(v, str):
        return v
    return {"__repr__": repr(v)}


def _to_jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return {"__ndarray__": "object", "shape": list(v.shape),
                    "data": [_jsonable_scalar(x) for x in v.ravel().tolist()]}
        return {"__ndarray__": str(v.dtype), "shape": list(v.shape),
                "data": [_jsonable_scalar(x) for x in v.ravel().tolist()]}
    if isinstance(v, Result):
        return v._to_dict()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {"__dataclass__": type(v).__name__,
                **{f.name: _to_jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}}
    if isinstance(v, dict):
        return {"__dict__": [[_to_jsonable(k), _to_jsonable(x)] for k, x in v.items()]}
    if isinstance(v, (list, tuple)):
        return {"__tuple__" if isinstance(v, tuple) else "__list__": [_to_jsonable(x) for x in v]}
    return _jsonable_scalar(v)


def _from_jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        if "__float__" in v:
            return float(v["__float__"])
        if "__repr__" in v:
            return v["__repr__"]
        if "__ndarray__" in v:
            data = [_from_jsonable(x) for x in v["data"]]
            if v["__ndarray__"] == "object":
                arr = np.empty(len(data), dtype=object)
                arr[:] = data
                return arr.reshape(v["shape"])
            return np.asarray(data, dtype=v["__ndarray__"]).reshape(v["shape"])
        if "__tuple__" in v:
            return tuple(_from_jsonable(x) for x in v["__tuple__"])
        if "__list__" in v:
            return [_from_jsonable(x) for x in v["__list__"]]
        if "__dict__" in v:
            return {_from_jsonable(k): _from_jsonable(x) for k, x in v["__dict__"]}
        if "__dataclass__" in v:
            name = v["__dataclass__"]
            cls = _REGISTRY.get(name) or (Provenance if name == "Provenance" else None)
            if cls is None:
                raise ValueError(f"unknown type {name!r} in result JSON")
            kwargs = {k: _from_jsonable(x) for k, x in v.items() if k != "__dataclass__"}
            return cls(**kwargs)
        if v.get("format") == FORMAT:
            return _result_from_dict(v)
        return {k: _from_jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_jsonable(x) for x in v]
    return v


def _clean_params(params: dict | None) -> dict:
    out = {}
    for k, v in (params or {}).items():
        if isinstance(v, (str, bool, type(None))) or (isinstance(v, numbers.Number) and not isinstance(v, complex)):
            out[str(k)] = v.item() if isinstance(v, np.generic) else v
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (str, numbers.Number, type(None))) for x in v):
            out[str(k)] = tuple(x.item() if isinstance(x, np.generic) else x for x in v)
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (list, tuple)) for x in v):
            out[str(k)] = tuple(tuple(str(y) for y in x) for x in v)
        elif isinstance(v, np.ndarray) and v.size <= 64:
            out[str(k)] = tuple(v.ravel().tolist())
        else:
            r = repr(v)
            out[str(k)] = r if len(r) <= 200 else r[:197] + "..."
    return out


@dataclass(frozen=True)
class Provenance:
    """How a result was made.

    Attributes
    ----------
    method : str
        The method's name, e.g. ``"partial_dependence"``.
    params : dict
        Its parameters (JSON-able; other values are stored as their repr).
    random_state : int or None
        The seed actually used (``None`` for deterministic methods).
    n_evals : int
        Rows the model evaluated.
    version : str
        The unboxed version.
    model : str
        The model's type name.
    output : str
        The output space explained (``proba``, ``log_odds``, ...).
    backend : str
        Where it ran.
    """

    method: str
    params: dict = field(default_factory=dict)
    random_state: int | None = None
    n_evals: int = 0
    version: str = field(default_factory=_version)
    model: str = ""
    output: str = ""
    backend: str = "local"

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _clean_params(self.params))


# --------------------------------------------------------------- helpers
def _frozen_array(a: Any, dtype: Any = np.float64, ndim: int | None = None, name: str = "") -> np.ndarray | None:
    if a is None:
        return None
    arr = np.array(a, dtype=dtype, copy=True)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


def _names(names: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(n) for n in names)


def _positions(key: Any, names: Sequence[str], axis: str) -> np.ndarray:
    """Turn a key (name, position, slice, list, boolean mask) into positions."""
    n = len(names)
    if isinstance(key, slice):
        return np.arange(n)[key]
    if isinstance(key, str):
        key = [key]
    if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
        key = [int(key)]
    arr = np.asarray(list(key) if not isinstance(key, np.ndarray) else key)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise IndexError(f"boolean {axis} mask has shape {arr.shape}, expected ({n},)")
        return np.nonzero(arr)[0]
    out = []
    lookup = {nm: i for i, nm in enumerate(names)}
    for k in arr.tolist():
        if isinstance(k, str):
            if k not in lookup:
                raise KeyError(f"unknown {axis} {k!r}; the {axis}s are {list(names)[:20]}")
            out.append(lookup[k])
        elif isinstance(k, (int, np.integer)):
            if not -n <= k < n:
                raise IndexError(f"{axis} position {k} out of range for {n} {axis}s")
            out.append(int(k) % n)
        else:
            raise TypeError(f"cannot select {axis}s with {k!r}")
    return np.asarray(out, dtype=np.intp)


def _row_positions(key: Any, n: int) -> np.ndarray:
    if isinstance(key, slice):
        return np.arange(n)[key]
    if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
        k = int(key)
        if not -n <= k < n:
            raise IndexError(f"row {k} out of range for {n} rows")
        return np.asarray([k % n])
    arr = np.asarray(key)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise IndexError(f"boolean row mask has shape {arr.shape}, expected ({n},)")
        return np.nonzero(arr)[0]
    if arr.dtype.kind not in "iu":
        raise TypeError(f"rows are selected with ints, slices or boolean masks, got {key!r}")
    if arr.size and (arr.max() >= n or arr.min() < -n):
        raise IndexError(f"row index out of range for {n} rows")
    return arr.astype(np.intp) % max(n, 1)


class Result:
    """Base of all result types: JSON round trip and registry."""

    _kind: ClassVar[str] = "Result"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def _to_dict(self) -> dict:
        body = {f.name: _to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "type": type(self).__name__, "fields": body}

    def to_json(self, path: str | None = None, *, indent: int | None = None) -> str:
        """Serialize to JSON (and write it to ``path`` if given)."""
        text = json.dumps(self._to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str) -> Result:
        """Read a result written by :meth:`to_json` (a JSON string or a file path)."""
        obj = load(text_or_path)
        if cls is not Result and not isinstance(obj, cls):
            raise TypeError(f"the JSON holds a {type(obj).__name__}, not a {cls.__name__}")
        return obj

    def _replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: a compact, escaped table (see :mod:`unboxed._repr`)."""
        from ._repr import repr_html
        return repr_html(self)


def _result_from_dict(d: dict) -> Result:
    if d.get("format") != FORMAT:
        raise ValueError("not an unboxed result: the 'format' field is missing or wrong")
    ver = d.get("schema_version")
    if not isinstance(ver, int) or ver > SCHEMA_VERSION:
        raise ValueError(f"result JSON has schema_version {ver!r}; this unboxed reads up to {SCHEMA_VERSION}")
    cls = _REGISTRY.get(d.get("type", ""))
    if cls is None and isinstance(d.get("type"), str):
        # result types defined in method modules (e.g. Surrogate) register on import:
        # import the module through the package's lazy exports, then look again
        import unboxed
        try:
            getattr(unboxed, d["type"])
        except AttributeError:
            pass
        cls = _REGISTRY.get(d["type"])
    if cls is None:
        raise ValueError(f"unknown result type {d.get('type')!r}")
    kwargs = {k: _from_jsonable(v) for k, v in d["fields"].items()}
    return cls(**kwargs)


def load(text_or_path: str) -> Result:
    """Load any result from its JSON text or from a file holding it."""
    if not isinstance(text_or_path, str):
        raise TypeError("load() takes a JSON string or a path")
    s = text_or_path.lstrip()
    if not s.startswith("{"):
        with open(text_or_path, encoding="utf-8") as fh:
            s = fh.read()
    try:
        d = json.loads(s)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {e}") from None
    return _result_from_dict(d)


# ------------------------------------------------------------ Attribution
@dataclass(frozen=True, eq=False)
class Attribution(Result):
    """Local explanations: how each feature moved each output of each row.

    Attributes
    ----------
    values : ndarray (n_rows, n_features, n_outputs)
    base_values : ndarray (n_rows, n_outputs)
        The reference the values start from (e.g. E[f(background)]); for
        Shapley values ``base_values + values.sum(axis=1)`` is the model output.
    feature_names : tuple of str (n_features,)
    output_names : tuple of str (n_outputs,)
    data : ndarray (n_rows, n_features) of object, optional
        The explained rows' values as the user knows them.
    stderr : ndarray (n_rows, n_features, n_outputs), optional
        Standard errors of sampled estimates; None for exact ones.
    interactions : ndarray (n_rows, n_features, n_features, n_outputs), optional
        Pairwise interaction values, when computed.
    local_score : ndarray (n_rows, n_outputs), optional
        How well the explanation fits the model near each row (LIME's R²).
    output_space : str
        ``proba``, ``log_odds``, ``raw``, ``predict``, ...
    provenance : Provenance
    """

    values: np.ndarray
    base_values: np.ndarray
    feature_names: tuple
    output_names: tuple
    data: np.ndarray | None = None
    stderr: np.ndarray | None = None
    interactions: np.ndarray | None = None
    local_score: np.ndarray | None = None
    output_space: str = ""
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        v = _frozen_array(self.values, ndim=3, name="values")
        n, p, k = v.shape
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "feature_names", _names(self.feature_names))
        object.__setattr__(self, "output_names", _names(self.output_names))
        if len(self.feature_names) != p:
            raise ValueError(f"{len(self.feature_names)} feature names for {p} features")
        if len(self.output_names) != k:
            raise ValueError(f"{len(self.output_names)} output names for {k} outputs")
        b = _frozen_array(self.base_values, name="base_values")
        if b.ndim == 1 and b.shape == (k,):
            b = _frozen_array(np.broadcast_to(b, (n, k)))
        if b.shape != (n, k):
            raise ValueError(f"base_values must have shape {(n, k)}, got {b.shape}")
        object.__setattr__(self, "base_values", b)
        if self.data is not None:
            d = _frozen_array(self.data, dtype=object, ndim=2, name="data")
            if d.shape != (n, p):
                raise ValueError(f"data must have shape {(n, p)}, got {d.shape}")
            object.__setattr__(self, "data", d)
        if self.stderr is not None:
            s = _frozen_array(self.stderr, ndim=3, name="stderr")
            if s.shape != v.shape:
                raise ValueError(f"stderr must have shape {v.shape}, got {s.shape}")
            object.__setattr__(self, "stderr", s)
        if self.interactions is not None:
            it = _frozen_array(self.interactions, ndim=4, name="interactions")
            if it.shape != (n, p, p, k):
                raise ValueError(f"interactions must have shape {(n, p, p, k)}, got {it.shape}")
            object.__setattr__(self, "interactions", it)
        if self.local_score is not None:
            ls = _frozen_array(self.local_score, ndim=2, name="local_score")
            if ls.shape != (n, k):
                raise ValueError(f"local_score must have shape {(n, k)}, got {ls.shape}")
            object.__setattr__(self, "local_score", ls)

    # shape
    @property
    def n_rows(self) -> int:
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        return self.values.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.values.shape[2]

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.values.shape  # type: ignore[return-value]

    @property
    def method(self) -> str:
        return self.provenance.method

    @property
    def total(self) -> np.ndarray:
        """``base_values + values.sum(axis=1)``: (n_rows, n_outputs)."""
        return self.base_values + self.values.sum(axis=1)

    def __len__(self) -> int:
        return self.n_rows

    def __repr__(self) -> str:
        return (f"Attribution(method={self.provenance.method!r}, rows={self.n_rows}, "
                f"features={self.n_features}, outputs={list(self.output_names)[:4]})")

    # slicing
    def select(self, rows: Any = None, features: Any = None, outputs: Any = None) -> Attribution:
        """Select rows (positions), features and outputs (names or positions)."""
        r = np.arange(self.n_rows) if rows is None else _row_positions(rows, self.n_rows)
        f = np.arange(self.n_features) if features is None else _positions(features, self.feature_names, "feature")
        o = np.arange(self.n_outputs) if outputs is None else _positions(outputs, self.output_names, "output")
        ix = np.ix_(r, f, o)
        return Attribution(
            values=self.values[ix],
            base_values=self.base_values[np.ix_(r, o)],
            feature_names=tuple(self.feature_names[i] for i in f),
            output_names=tuple(self.output_names[i] for i in o),
            data=None if self.data is None else self.data[np.ix_(r, f)],
            stderr=None if self.stderr is None else self.stderr[ix],
            interactions=None if self.interactions is None else self.interactions[np.ix_(r, f, f, o)],
            local_score=None if self.local_score is None else self.local_score[np.ix_(r, o)],
            output_space=self.output_space,
            provenance=self.provenance,
        )

    def __getitem__(self, key: Any) -> Attribution:
        """``a[rows]``, ``a["feature"]``, ``a[rows, features]``, ``a[rows, features, outputs]``.

        A string or list of strings selects features; anything else selects
        rows. An integer keeps the axis (length 1), so the axis order never changes.
        """
        if isinstance(key, tuple):
            if len(key) > 3:
                raise IndexError("at most three keys: rows, features, outputs")
            parts = list(key) + [slice(None)] * (3 - len(key))
            return self.select(*parts)
        if isinstance(key, str) or (isinstance(key, (list, tuple)) and key and all(isinstance(k, str) for k in key)):
            return self.select(features=key)
        return self.select(rows=key)

    def __iter__(self) -> Iterator[Attribution]:
        for i in range(self.n_rows):
            yield self.select(rows=i)

    def output(self, name: str | int) -> Attribution:
        """The result for one output."""
        return self.select(outputs=name)

    # conversion
    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (row, feature, output)."""
        n, p, k = self.values.shape
        r, f, o = np.meshgrid(np.arange(n), np.arange(p), np.arange(k), indexing="ij")
        frame = pd.DataFrame({
            "row": r.ravel(),
            "feature": np.asarray(self.feature_names, dtype=object)[f.ravel()],
            "output": np.asarray(self.output_names, dtype=object)[o.ravel()],
            "value": self.values.ravel(),
        })
        if self.stderr is not None:
            frame["stderr"] = self.stderr.ravel()
        if self.data is not None:
            frame["feature_value"] = np.repeat(self.data.reshape(n, p, 1), k, axis=2).ravel()
        frame["base_value"] = np.broadcast_to(self.base_values[:, None, :], (n, p, k)).ravel()
        return frame

    def to_wide(self, output: str | int | None = None) -> pd.DataFrame:
        """Rows × features frame of one output (the last by default)."""
        o = self.n_outputs - 1 if output is None else int(_positions(output, self.output_names, "output")[0])
        return pd.DataFrame(self.values[:, :, o], columns=list(self.feature_names))

    def mean_abs(self) -> Importance:
        """Global importance as the mean absolute attribution over rows."""
        vals = np.abs(self.values)
        return Importance(
            values=vals.mean(axis=0), std=vals.std(axis=0), per_repeat=None,
            feature_names=self.feature_names, output_names=self.output_names, baseline=None,
            scoring=f"mean |{self.provenance.method}|",
            provenance=dataclasses.replace(self.provenance, method=f"mean_abs({self.provenance.method})"),
        )


# ------------------------------------------------------------- Importance
@dataclass(frozen=True, eq=False)
class Importance(Result):
    """Global feature importance.

    Attributes
    ----------
    values : ndarray (n_features, n_outputs)
        Mean importance (e.g. the drop in score when the feature is permuted).
    std : ndarray (n_features, n_outputs)
        Spread over repeats (standard deviation).
    per_repeat : ndarray (n_repeats, n_features, n_outputs), optional
    feature_names, output_names : tuple of str
    baseline : ndarray (n_outputs,), optional
        The score of the unpermuted data.
    scoring : str
        What the values measure.
    provenance : Provenance
    """

    values: np.ndarray
    std: np.ndarray
    feature_names: tuple
    output_names: tuple
    per_repeat: np.ndarray | None = None
    baseline: np.ndarray | None = None
    scoring: str = ""
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        v = _frozen_array(self.values, ndim=2, name="values")
        p, k = v.shape
        object.__setattr__(self, "values", v)
        s = _frozen_array(self.std, ndim=2, name="std")
        if s.shape != v.shape:
            raise ValueError(f"std must have shape {v.shape}, got {s.shape}")
        object.__setattr__(self, "std", s)
        object.__setattr__(self, "feature_names", _names(self.feature_names))
        object.__setattr__(self, "output_names", _names(self.output_names))
        if len(self.feature_names) != p or len(self.output_names) != k:
            raise ValueError(f"names do not match values of shape {v.shape}")
        if self.per_repeat is not None:
            pr = _frozen_array(self.per_repeat, ndim=3, name="per_repeat")
            if pr.shape[1:] != v.shape:
                raise ValueError(f"per_repeat must have shape (n_repeats, {p}, {k}), got {pr.shape}")
            object.__setattr__(self, "per_repeat", pr)
        if self.baseline is not None:
            b = _frozen_array(np.atleast_1d(self.baseline), ndim=1, name="baseline")
            if b.shape != (k,):
                raise ValueError(f"baseline must have shape ({k},), got {b.shape}")
            object.__setattr__(self, "baseline", b)

    @property
    def n_features(self) -> int:
        return self.values.shape[0]

    @property
    def n_outputs(self) -> int:
        return self.values.shape[1]

    @property
    def method(self) -> str:
        return self.provenance.method

    def __len__(self) -> int:
        return self.n_features

    def __repr__(self) -> str:
        top = ", ".join(self.ranking()[:3])
        return f"Importance(method={self.provenance.method!r}, features={self.n_features}, top=[{top}])"

    def select(self, features: Any = None, outputs: Any = None) -> Importance:
        f = np.arange(self.n_features) if features is None else _positions(features, self.feature_names, "feature")
        o = np.arange(self.n_outputs) if outputs is None else _positions(outputs, self.output_names, "output")
        return Importance(
            values=self.values[np.ix_(f, o)], std=self.std[np.ix_(f, o)],
            feature_names=tuple(self.feature_names[i] for i in f),
            output_names=tuple(self.output_names[i] for i in o),
            per_repeat=None if self.per_repeat is None else self.per_repeat[:, f][:, :, o],
            baseline=None if self.baseline is None else self.baseline[o],
            scoring=self.scoring, provenance=self.provenance,
        )

    def __getitem__(self, key: Any) -> Importance:
        """``imp["age"]``, ``imp[["age", "income"]]``, ``imp[features, outputs]``."""
        if isinstance(key, tuple) and len(key) == 2 and not all(isinstance(k, str) for k in key):
            return self.select(*key)
        if (isinstance(key, tuple) and len(key) == 2 and key[0] in self.feature_names
                and key[1] not in self.feature_names and key[1] in self.output_names):
            return self.select(features=key[0], outputs=key[1])  # imp["age", "good"]
        return self.select(features=key)

    def ranking(self, output: str | int = 0) -> list[str]:
        """Feature names, most important first (ties keep input order)."""
        o = int(_positions(output, self.output_names, "output")[0])
        order = np.argsort(-self.values[:, o], kind="stable")
        return [self.feature_names[i] for i in order]

    def sorted(self, output: str | int = 0) -> Importance:
        """The same importance with features ordered most important first."""
        return self.select(features=self.ranking(output))

    def to_frame(self) -> pd.DataFrame:
        """One row per (feature, output): importance, std and rank."""
        p, k = self.values.shape
        f, o = np.meshgrid(np.arange(p), np.arange(k), indexing="ij")
        frame = pd.DataFrame({
            "feature": np.asarray(self.feature_names, dtype=object)[f.ravel()],
            "output": np.asarray(self.output_names, dtype=object)[o.ravel()],
            "importance": self.values.ravel(),
            "std": self.std.ravel(),
        })
        frame["rank"] = frame.groupby("output")["importance"].rank(ascending=False, method="first").astype(int)
        return frame.sort_values(["output", "rank"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------- Effect
@dataclass(frozen=True, eq=False)
class Effect(Result):
    """A feature effect curve (1-D) or surface (2-D): PDP, ICE or ALE.

    Attributes
    ----------
    features : tuple of str
        One or two feature names.
    kinds : tuple of str
        ``numeric`` or ``categorical`` per feature.
    grid : tuple of ndarray
        Grid values per feature: numbers for numeric features, category labels
        (object) for categorical ones. For ALE, the bin edges of numeric features.
    average : ndarray (g1[, g2], n_outputs)
        The average effect (the PDP, or the ALE).
    individual : ndarray (n_rows, g1[, g2], n_outputs), optional
        ICE curves (PDP with ``kind`` "individual" or "both").
    lower, upper : ndarray like ``average``, optional
        Uncertainty band (bootstrap for ALE).
    counts : ndarray, optional
        Data points per grid value / bin (1-D: (g1,), 2-D: (g1, g2)).
    deciles : tuple of ndarray, optional
        Deciles of each numeric feature in the data (for rug marks).
    method : {"pdp", "ale"}
    centered : bool
        ICE curves (and the average) shifted to start at zero.
    output_names : tuple of str
    provenance : Provenance
    """

    features: tuple
    kinds: tuple
    grid: tuple
    average: np.ndarray
    output_names: tuple
    individual: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    counts: np.ndarray | None = None
    deciles: tuple | None = None
    method: str = "pdp"
    centered: bool = False
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", _names(self.features))
        object.__setattr__(self, "kinds", _names(self.kinds))
        object.__setattr__(self, "output_names", _names(self.output_names))
        d = len(self.features)
        if d not in (1, 2) or len(self.kinds) != d or len(self.grid) != d:
            raise ValueError("an Effect has one or two features, with a kind and a grid each")
        grid = tuple(_frozen_array(g, dtype=(np.float64 if k == "numeric" else object), ndim=1, name="grid")
                     for g, k in zip(self.grid, self.kinds))
        object.__setattr__(self, "grid", grid)
        avg = _frozen_array(self.average, ndim=d + 1, name="average")
        object.__setattr__(self, "average", avg)
        if avg.shape[-1] != len(self.output_names):
            raise ValueError(f"{len(self.output_names)} output names for {avg.shape[-1]} outputs")
        if self.individual is not None:
            ind = _frozen_array(self.individual, ndim=d + 2, name="individual")
            if ind.shape[1:] != avg.shape:
                raise ValueError(f"individual must have shape (n_rows, *{avg.shape}), got {ind.shape}")
            object.__setattr__(self, "individual", ind)
        for nm in ("lower", "upper"):
            val = getattr(self, nm)
            if val is not None:
                arr = _frozen_array(val, ndim=d + 1, name=nm)
                if arr.shape != avg.shape:
                    raise ValueError(f"{nm} must have shape {avg.shape}, got {arr.shape}")
                object.__setattr__(self, nm, arr)
        if self.counts is not None:
            object.__setattr__(self, "counts", _frozen_array(self.counts, dtype=np.float64))
        if self.deciles is not None:
            object.__setattr__(self, "deciles", tuple(None if x is None else _frozen_array(x)
                                                      for x in self.deciles))

    @property
    def n_outputs(self) -> int:
        return self.average.shape[-1]

    @property
    def n_rows(self) -> int:
        return 0 if self.individual is None else self.individual.shape[0]

    @property
    def name(self) -> str:
        return self.features[0] if len(self.features) == 1 else f"{self.features[0]} × {self.features[1]}"

    def __repr__(self) -> str:
        g = "×".join(str(len(x)) for x in self.grid)
        ice = f", ice_rows={self.n_rows}" if self.individual is not None else ""
        return f"Effect({self.method}, features={list(self.features)}, grid={g}{ice}, outputs={self.n_outputs})"

    def select(self, rows: Any = None, outputs: Any = None) -> Effect:
        o = np.arange(self.n_outputs) if outputs is None else _positions(outputs, self.output_names, "output")
        ind = self.individual
        if ind is not None:
            r = np.arange(ind.shape[0]) if rows is None else _row_positions(rows, ind.shape[0])
            ind = ind[r][..., o]
        elif rows is not None:
            raise IndexError("this Effect has no individual (ICE) curves to select rows from")
        return dataclasses.replace(
            self, average=self.average[..., o], individual=ind,
            lower=None if self.lower is None else self.lower[..., o],
            upper=None if self.upper is None else self.upper[..., o],
            output_names=tuple(self.output_names[i] for i in o))

    def __getitem__(self, key: Any) -> Effect:
        """``e["good"]`` selects an output; ``e[rows]`` ICE rows; ``e[rows, output]`` both."""
        if isinstance(key, tuple):
            if len(key) != 2:
                raise IndexError("an Effect takes (rows, outputs)")
            return self.select(rows=None if key[0] == slice(None) else key[0], outputs=key[1])
        if isinstance(key, str):
            return self.select(outputs=key)
        return self.select(rows=key)

    def center(self) -> Effect:
        """ICE curves (and the average) shifted so each starts at zero (centered ICE)."""
        if self.centered:
            return self
        avg = self.average - self.average[(0,) * len(self.features)]
        ind = None
        if self.individual is not None:
            idx = (slice(None),) + (0,) * len(self.features)
            ind = self.individual - self.individual[idx][(slice(None),) + (None,) * len(self.features)]
        return dataclasses.replace(self, average=avg, individual=ind, lower=None, upper=None, centered=True)

    def to_frame(self, individual: bool = False) -> pd.DataFrame:
        """Tidy frame of the average (or, with ``individual=True``, of the ICE curves)."""
        d = len(self.features)
        mesh = np.meshgrid(*[np.arange(len(g)) for g in self.grid], np.arange(self.n_outputs), indexing="ij")
        cols: dict[str, Any] = {}
        for i, f in enumerate(self.features):
            cols[f] = np.asarray(self.grid[i], dtype=object)[mesh[i].ravel()]
        cols["output"] = np.asarray(self.output_names, dtype=object)[mesh[d].ravel()]
        if not individual:
            cols["value"] = self.average.ravel()
            if self.lower is not None:
                cols["lower"] = self.lower.ravel()
            if self.upper is not None:
                cols["upper"] = self.upper.ravel()
            return pd.DataFrame(cols)
        if self.individual is None:
            raise ValueError("this Effect has no individual (ICE) curves; compute it with kind='both'")
        n = self.individual.shape[0]
        frame = pd.DataFrame({k: np.tile(v, n) for k, v in cols.items()})
        frame.insert(0, "row", np.repeat(np.arange(n), self.average.size))
        frame["value"] = self.individual.ravel()
        return frame


@dataclass(frozen=True, eq=False)
class Effects(Result):
    """An ordered collection of :class:`Effect`, looked up by position or feature name(s).

    ``effects["age"]`` and ``effects[("age", "income")]`` return an Effect.
    """

    effects: tuple

    def __post_init__(self) -> None:
        items = tuple(self.effects)
        for e in items:
            if not isinstance(e, Effect):
                raise TypeError(f"Effects holds Effect objects, got {type(e).__name__}")
        object.__setattr__(self, "effects", items)

    def __len__(self) -> int:
        return len(self.effects)

    def __iter__(self) -> Iterator[Effect]:
        return iter(self.effects)

    def __getitem__(self, key: Any) -> Effect:
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return self.effects[key]
        want = (key,) if isinstance(key, str) else tuple(str(k) for k in key)
        for e in self.effects:
            if e.features == want:
                return e
        raise KeyError(f"no effect for {want}; there are {[e.features for e in self.effects]}")

    def __repr__(self) -> str:
        return f"Effects({[e.name for e in self.effects]})"

    @property
    def features(self) -> list[tuple[str, ...]]:
        return [e.features for e in self.effects]

    def to_frame(self) -> pd.DataFrame:
        frames = []
        for e in self.effects:
            f = e.to_frame()
            f.insert(0, "effect", e.name)
            frames.append(f)
        return pd.concat(frames, ignore_index=True, sort=False)


# ------------------------------------------------------------ Interaction
@dataclass(frozen=True, eq=False)
class Interaction(Result):
    """Interaction strength (Friedman's H²) of feature pairs or of one feature with all others.

    Attributes
    ----------
    pairs : tuple of tuple of str
        ``("a", "b")`` for a pairwise statistic, ``("a",)`` for one-vs-rest.
    values : ndarray (n_pairs, n_outputs)
        H² in [0, 1] (can exceed 1 by estimation noise).
    output_names : tuple of str
    statistic : str
        ``"H2"``.
    numerator : ndarray (n_pairs, n_outputs), optional
        The unnormalized interaction variance (comparable across pairs).
    provenance : Provenance
    """

    pairs: tuple
    values: np.ndarray
    output_names: tuple
    statistic: str = "H2"
    numerator: np.ndarray | None = None
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", tuple(_names(p) for p in self.pairs))
        object.__setattr__(self, "output_names", _names(self.output_names))
        v = _frozen_array(self.values, ndim=2, name="values")
        if v.shape != (len(self.pairs), len(self.output_names)):
            raise ValueError(f"values must have shape {(len(self.pairs), len(self.output_names))}, got {v.shape}")
        object.__setattr__(self, "values", v)
        if self.numerator is not None:
            object.__setattr__(self, "numerator", _frozen_array(self.numerator, ndim=2, name="numerator"))

    @property
    def labels(self) -> list[str]:
        return [" × ".join(p) if len(p) == 2 else f"{p[0]} × rest" for p in self.pairs]

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"Interaction({self.statistic}, {self.labels[:4]}{'...' if len(self) > 4 else ''})"

    def _pair_positions(self, key: Any) -> np.ndarray | None:
        """Positions for a pair ``("a", "b")`` (either order), a label, or a feature name (every pair with it)."""
        labels = ["|".join(p) for p in self.pairs]
        if isinstance(key, tuple) and key and all(isinstance(x, str) for x in key):
            for cand in ("|".join(key), "|".join(key[::-1])):
                if cand in labels:
                    return np.asarray([labels.index(cand)], dtype=np.intp)
            return None
        if isinstance(key, str):
            if key in labels:
                return np.asarray([labels.index(key)], dtype=np.intp)
            hits = [i for i, p in enumerate(self.pairs) if key in p]
            return np.asarray(hits, dtype=np.intp) if hits else None
        return None

    def select(self, pairs: Any = None, outputs: Any = None) -> Interaction:
        """Select pairs (a pair, a label, a feature name: every pair with it; positions) and outputs."""
        labels = ["|".join(p) for p in self.pairs]
        if pairs is None:
            r = np.arange(len(self.pairs))
        elif isinstance(pairs, str) or (isinstance(pairs, tuple) and all(isinstance(x, str) for x in pairs)):
            r = self._pair_positions(pairs)
            if r is None:
                raise KeyError(f"unknown pair or feature {pairs!r}; the pairs are {labels[:20]}")
        elif isinstance(pairs, list) and pairs and all(isinstance(x, (str, tuple)) for x in pairs):
            found = []
            for x in pairs:
                pos = self._pair_positions(x if isinstance(x, str) else tuple(x))
                if pos is None:
                    raise KeyError(f"unknown pair or feature {x!r}; the pairs are {labels[:20]}")
                found.extend(i for i in pos.tolist() if i not in found)
            r = np.asarray(found, dtype=np.intp)
        else:
            r = _row_positions(pairs, len(self.pairs))
        o = np.arange(len(self.output_names)) if outputs is None else _positions(outputs, self.output_names, "output")
        return Interaction(
            pairs=tuple(self.pairs[i] for i in r), values=self.values[np.ix_(r, o)],
            output_names=tuple(self.output_names[i] for i in o), statistic=self.statistic,
            numerator=None if self.numerator is None else self.numerator[np.ix_(r, o)],
            provenance=self.provenance)

    def __getitem__(self, key: Any) -> Interaction:
        """``h[("a", "b")]`` a pair, ``h["a"]`` every pair with feature ``a``, ``h[pairs, outputs]``."""
        if isinstance(key, tuple) and len(key) == 2:
            if not all(isinstance(x, str) for x in key):
                return self.select(pairs=None if key[0] == slice(None) else key[0], outputs=key[1])
            if self._pair_positions(key) is None and key[1] in self.output_names:
                return self.select(pairs=key[0], outputs=key[1])
        return self.select(pairs=key)

    def to_frame(self) -> pd.DataFrame:
        m, k = self.values.shape
        r, o = np.meshgrid(np.arange(m), np.arange(k), indexing="ij")
        frame = pd.DataFrame({
            "feature": [self.pairs[i][0] for i in r.ravel()],
            "other": [self.pairs[i][1] if len(self.pairs[i]) == 2 else "(all others)" for i in r.ravel()],
            "output": np.asarray(self.output_names, dtype=object)[o.ravel()],
            self.statistic: self.values.ravel(),
        })
        if self.numerator is not None:
            frame["numerator"] = self.numerator.ravel()
        return frame


# --------------------------------------------------------------- Examples
@dataclass(frozen=True, eq=False)
class Examples(Result):
    """Training examples behind predictions, e.g. the nearest neighbours of k-NN.

    Attributes
    ----------
    indices : ndarray (n_rows, n_examples) of int
        Positions of the examples in the training data.
    distances : ndarray (n_rows, n_examples)
        Distance of each example to its row (in the model's space), nearest first.
    rows : ndarray (n_rows, n_examples, n_features) of object
        The examples' feature values as the user gave them.
    targets : ndarray (n_rows, n_examples) of object
        The examples' training targets (class labels or numbers).
    feature_names : tuple of str (n_features,)
    data : ndarray (n_rows, n_features) of object, optional
        The rows being explained.
    predictions : ndarray (n_rows,) of object, optional
        The model's prediction for each row.
    weights : ndarray (n_rows, n_examples), optional
        Each example's weight in the prediction (e.g. 1/distance or uniform).
    target_name : str
    provenance : Provenance
    """

    indices: np.ndarray
    distances: np.ndarray
    rows: np.ndarray
    targets: np.ndarray
    feature_names: tuple
    data: np.ndarray | None = None
    predictions: np.ndarray | None = None
    weights: np.ndarray | None = None
    target_name: str = "target"
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        idx = _frozen_array(self.indices, dtype=np.int64, ndim=2, name="indices")
        n, k = idx.shape
        object.__setattr__(self, "indices", idx)
        object.__setattr__(self, "feature_names", _names(self.feature_names))
        p = len(self.feature_names)
        d = _frozen_array(self.distances, ndim=2, name="distances")
        if d.shape != (n, k):
            raise ValueError(f"distances must have shape {(n, k)}, got {d.shape}")
        object.__setattr__(self, "distances", d)
        rows = _frozen_array(self.rows, dtype=object, ndim=3, name="rows")
        if rows.shape != (n, k, p):
            raise ValueError(f"rows must have shape {(n, k, p)}, got {rows.shape}")
        object.__setattr__(self, "rows", rows)
        t = _frozen_array(self.targets, dtype=object, ndim=2, name="targets")
        if t.shape != (n, k):
            raise ValueError(f"targets must have shape {(n, k)}, got {t.shape}")
        object.__setattr__(self, "targets", t)
        if self.data is not None:
            dd = _frozen_array(self.data, dtype=object, ndim=2, name="data")
            if dd.shape != (n, p):
                raise ValueError(f"data must have shape {(n, p)}, got {dd.shape}")
            object.__setattr__(self, "data", dd)
        if self.predictions is not None:
            pr = _frozen_array(self.predictions, dtype=object, ndim=1, name="predictions")
            if pr.shape != (n,):
                raise ValueError(f"predictions must have shape ({n},), got {pr.shape}")
            object.__setattr__(self, "predictions", pr)
        if self.weights is not None:
            w = _frozen_array(self.weights, ndim=2, name="weights")
            if w.shape != (n, k):
                raise ValueError(f"weights must have shape {(n, k)}, got {w.shape}")
            object.__setattr__(self, "weights", w)
        object.__setattr__(self, "target_name", str(self.target_name))

    @property
    def n_rows(self) -> int:
        return self.indices.shape[0]

    @property
    def n_examples(self) -> int:
        return self.indices.shape[1]

    @property
    def method(self) -> str:
        return self.provenance.method

    def __len__(self) -> int:
        return self.n_rows

    def __repr__(self) -> str:
        return (f"Examples(method={self.provenance.method!r}, rows={self.n_rows}, "
                f"examples_per_row={self.n_examples}, features={len(self.feature_names)})")

    def select(self, rows: Any = None) -> Examples:
        """The examples of some rows (positions, slice or boolean mask)."""
        r = np.arange(self.n_rows) if rows is None else _row_positions(rows, self.n_rows)
        return Examples(
            indices=self.indices[r], distances=self.distances[r], rows=self.rows[r], targets=self.targets[r],
            feature_names=self.feature_names,
            data=None if self.data is None else self.data[r],
            predictions=None if self.predictions is None else self.predictions[r],
            weights=None if self.weights is None else self.weights[r],
            target_name=self.target_name, provenance=self.provenance)

    def __getitem__(self, key: Any) -> Examples:
        """``ex[0]``, ``ex[2:5]``, ``ex[mask]``: select rows (an int keeps the axis)."""
        return self.select(rows=key)

    def __iter__(self) -> Iterator[Examples]:
        for i in range(self.n_rows):
            yield self.select(rows=i)

    def to_frame(self) -> pd.DataFrame:
        """One row per (explained row, example): row, rank, index, distance, [weight], target, features."""
        n, k = self.indices.shape
        r, rank = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
        cols: dict[str, Any] = {"row": r.ravel(), "rank": rank.ravel() + 1, "index": self.indices.ravel(),
                                "distance": self.distances.ravel()}
        if self.weights is not None:
            cols["weight"] = self.weights.ravel()
        cols[self.target_name] = self.targets.ravel()
        flat = self.rows.reshape(n * k, len(self.feature_names))
        for j, name in enumerate(self.feature_names):
            key = name if name not in cols else f"{name} (feature)"
            cols[key] = flat[:, j]
        return pd.DataFrame(cols)


__all__.append("Examples")
