"""Tabular data: the schema of a feature table, and its numeric encoding.

Every method in unboxed works on one internal representation: a float64 matrix
``Z`` of shape ``(n_rows, n_features)`` in which numeric columns hold their
values and string / pandas ``category`` / bool columns hold integer codes into a
fixed list of categories (NaN for a missing value). :class:`Schema` encodes the
user's data into ``Z`` (checking it on the way) and decodes any ``Z`` back into
the exact form the model was trained on: the same container (numpy, pandas or
polars), the same column names and order, the same dtypes, categories included.
Methods can therefore permute, replace and tile columns with plain numpy and
still hand the model what it expects.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._validation import describe

__all__ = ["Column", "Schema", "as_schema", "is_dataframe", "n_rows_of"]

Kind = Literal["numeric", "categorical"]

#: An integer-valued numeric column with at most this many distinct values is
#: treated as categorical (discrete) unless the caller says otherwise.
MAX_DISCRETE = 10


@dataclass(frozen=True)
class Column:
    """One feature.

    Attributes
    ----------
    name : str
    kind : {"numeric", "categorical"}
        How methods treat the feature (grids, bins, sampling).
    encoding : {"identity", "codes"}
        ``identity``: the encoded value is the value itself (numeric dtypes).
        ``codes``: the encoded value is an index into ``categories``.
    categories : tuple or None
        For ``codes``: every category, in code order. For a discrete numeric
        column (``kind="categorical"``, ``encoding="identity"``): its sorted
        distinct values. None for continuous numeric columns.
    dtype : object
        The dtype to restore on decoding (numpy dtype or pandas extension dtype).
    """

    name: str
    kind: Kind
    encoding: Literal["identity", "codes"]
    categories: tuple | None
    dtype: Any = field(compare=False)

    @property
    def is_categorical(self) -> bool:
        return self.kind == "categorical"


def is_dataframe(X: Any) -> bool:
    return isinstance(X, pd.DataFrame) or _is_polars(X)


def _is_polars(X: Any) -> bool:
    mod = type(X).__module__
    return mod.startswith("polars") and type(X).__name__ == "DataFrame"


def n_rows_of(X: Any) -> int:
    return int(X.shape[0])


def _polars_columns(X: Any) -> tuple[list[str], list[np.ndarray], list[Any]]:
    names, arrays, dtypes = [], [], []
    for s in X.get_columns():
        names.append(s.name)
        dt = s.dtype
        if dt.is_numeric() or str(dt) == "Boolean":
            arr = s.to_numpy()
        else:
            arr = np.asarray(s.to_list(), dtype=object)
        arrays.append(arr)
        dtypes.append(dt)
    return names, arrays, dtypes


def _is_string_like(arr: np.ndarray) -> bool:
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind == "O":
        for v in arr:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            return not isinstance(v, (numbers.Number, np.bool_))
    return False


def _missing_mask(arr: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(arr), dtype=bool)


class Schema:
    """Names, kinds and categories of a feature table, with its encoding.

    Build one with :meth:`Schema.from_data` (or :func:`as_schema`). The schema
    remembers the container the data came in and decodes to it.

    Parameters
    ----------
    columns : sequence of Column
    container : {"numpy", "pandas", "polars"}
    numpy_dtype : numpy dtype, optional
        For numpy input: the dtype of the original array (float64 or object).
    """

    def __init__(self, columns: Sequence[Column], container: str = "numpy",
                 numpy_dtype: Any = None, named: bool = False):
        self.columns = tuple(columns)
        self.container = container
        self.numpy_dtype = numpy_dtype
        self.named = named  # the user gave names (DataFrame or feature_names=)
        self._index = {c.name: i for i, c in enumerate(self.columns)}
        if len(self._index) != len(self.columns):
            seen, dup = set(), []
            for c in self.columns:
                if c.name in seen:
                    dup.append(c.name)
                seen.add(c.name)
            raise ValueError(f"feature names must be unique, these repeat: {sorted(set(dup))}")

    # ------------------------------------------------------------------ info
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.columns)

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array([c.kind == "categorical" for c in self.columns], dtype=bool)

    @property
    def all_identity(self) -> bool:
        return all(c.encoding == "identity" for c in self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __repr__(self) -> str:
        parts = ", ".join(f"{c.name}:{c.kind[:3]}" for c in self.columns[:8])
        more = ", ..." if len(self.columns) > 8 else ""
        return f"Schema({self.container}, {self.n_features} features: {parts}{more})"

    def index(self, feature: str | int) -> int:
        """Position of a feature given by name or position."""
        if isinstance(feature, (bool, np.bool_)):
            raise TypeError(f"a feature is a name or a position, got {feature!r}")
        if isinstance(feature, numbers.Integral):
            i = int(feature)
            if not -self.n_features <= i < self.n_features:
                raise ValueError(f"feature position {i} is out of range for {self.n_features} features")
            return i % self.n_features
        if isinstance(feature, str):
            try:
                return self._index[feature]
            except KeyError:
                close = [n for n in self.names if feature.lower() in n.lower()][:5]
                hint = f"; did you mean one of {close}?" if close else ""
                raise ValueError(f"unknown feature {feature!r}{hint} The features are "
                                 f"{list(self.names)[:20]}{'...' if self.n_features > 20 else ''}") from None
        raise TypeError(f"a feature is a name (str) or a position (int), got {describe(feature)}")

    def indices(self, features: Iterable[str | int] | None) -> list[int]:
        if features is None:
            return list(range(self.n_features))
        if isinstance(features, (str, numbers.Integral)):
            features = [features]
        return [self.index(f) for f in features]

    def __getitem__(self, feature: str | int) -> Column:
        return self.columns[self.index(feature)]

    # ------------------------------------------------------------- building
    @classmethod
    def from_data(cls, X: Any, *, feature_names: Sequence[str] | None = None,
                  categorical_features: Iterable[str | int] | str | None = "auto",
                  max_discrete: int = MAX_DISCRETE) -> Schema:
        """Infer a schema from numpy, pandas or polars data.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
        feature_names : sequence of str, optional
            Names for a numpy array (a DataFrame's own names win).
        categorical_features : "auto", None, or list of names / positions
            ``"auto"``: pandas ``category``, strings, bools, and integer-valued
            numeric columns with at most ``max_discrete`` distinct values are
            categorical. A list marks exactly those columns categorical (string
            columns are always categorical). ``None``: only string / category /
            bool columns.
        """
        container, names, arrays, dtypes, np_dtype = _split_columns(X, feature_names)
        if len(arrays) == 0:
            raise ValueError("X has no columns; expected at least one feature")
        explicit: set[int] | None = None
        if isinstance(categorical_features, str):
            if categorical_features != "auto":
                raise ValueError(f"categorical_features must be 'auto', None or a list of features, "
                                 f"got {categorical_features!r}")
        elif categorical_features is not None:
            explicit = set()
            for f in categorical_features:
                if isinstance(f, numbers.Integral) and not isinstance(f, bool):
                    if not 0 <= f < len(names):
                        raise ValueError(f"categorical feature position {f} out of range for {len(names)} features")
                    explicit.add(int(f))
                elif isinstance(f, str):
                    if f not in names:
                        raise ValueError(f"categorical feature {f!r} is not a column of X; columns are {names[:20]}")
                    explicit.add(names.index(f))
                else:
                    raise TypeError(f"categorical_features holds names or positions, got {describe(f)}")
        cols = []
        for j, (name, arr, dt) in enumerate(zip(names, arrays, dtypes)):
            cols.append(_infer_column(name, arr, dt, container,
                                      auto=categorical_features == "auto",
                                      forced=explicit is not None and j in explicit,
                                      max_discrete=max_discrete))
        named = container != "numpy" or feature_names is not None
        return cls(cols, container, np_dtype, named)

    # ------------------------------------------------------------- encoding
    def with_categories_of(self, X: Any, *, name: str = "X") -> Schema:
        """This schema, or a copy whose string-valued columns also know the categories of ``X``.

        New categories are appended, so the codes of the known ones keep their meaning
        (data encoded with this schema stays valid). For explaining rows whose category
        is missing from a background sample but known to the model; whether the model
        accepts it is the model's call. Pandas ``category`` and boolean columns are left
        as they are. Data that does not fit the schema is left for :meth:`encode` to refuse.
        """
        try:
            container, names, arrays, _, _ = _split_columns(X, None if not self.named else list(self.names),
                                                            what=name)
        except (TypeError, ValueError):
            return self
        if len(arrays) != self.n_features or (container != "numpy" and self.named
                                              and list(names) != list(self.names)):
            return self
        cols = list(self.columns)
        changed = False
        for j, col in enumerate(cols):
            if col.encoding != "codes" or isinstance(col.dtype, pd.CategoricalDtype) or \
                    col.categories == (False, True):
                continue
            arr = arrays[j]
            if isinstance(arr, pd.Series) and isinstance(arr.dtype, pd.CategoricalDtype):
                arr = arr.astype(object)
            values = np.asarray(arr)
            if values.dtype.kind == "b":
                continue
            present = values[~_missing_mask(values)].tolist()
            known = set(col.categories)
            try:
                new = sorted({v for v in present if v not in known}, key=str)
            except TypeError:
                continue
            if new:
                cols[j] = Column(col.name, col.kind, col.encoding,
                                 tuple(col.categories) + tuple(_plain(v) for v in new), col.dtype)
                changed = True
        if not changed:
            return self
        return Schema(cols, self.container, self.numpy_dtype, self.named)

    def encode(self, X: Any, *, name: str = "X", allow_nan: bool = True,
               allow_empty: bool = False) -> np.ndarray:
        """Check ``X`` against the schema and return its float64 encoding.

        Raises a clear error for a wrong container, missing / extra / reordered
        columns, strings in numeric columns, unseen categories, infinities and
        (with ``allow_nan=False``) missing values. ``X`` is not modified.
        """
        if isinstance(X, Schema):
            raise TypeError(f"{name} must be data, got a Schema")
        container, names, arrays, dtypes, _ = _split_columns(X, None if not self.named else list(self.names),
                                                             what=name)
        n = arrays[0].shape[0] if arrays else 0
        if n == 0 and not allow_empty:
            raise ValueError(f"{name} has no rows; expected at least one row to explain")
        if container != "numpy" and self.named:
            self._check_names(names, name)
        elif len(arrays) != self.n_features:
            raise ValueError(f"{name} has {len(arrays)} columns, the model expects {self.n_features}")
        Z = np.empty((n, self.n_features), dtype=np.float64)
        for j, col in enumerate(self.columns):
            Z[:, j] = _encode_column(col, arrays[j], name)
        if not allow_nan and np.isnan(Z).any():
            j = int(np.nonzero(np.isnan(Z).any(axis=0))[0][0])
            rows = np.nonzero(np.isnan(Z[:, j]))[0][:5].tolist()
            raise ValueError(f"{name} has missing values in column {self.columns[j].name!r} (rows {rows}); "
                             "this method needs complete data: impute or drop them first")
        return Z

    def _check_names(self, names: Sequence[str], what: str) -> None:
        if list(names) == list(self.names):
            return
        missing = [n for n in self.names if n not in names]
        extra = [n for n in names if n not in self._index]
        if missing or extra:
            msg = f"{what} has other columns than expected"
            if missing:
                msg += f"; missing: {missing[:10]}"
            if extra:
                msg += f"; unexpected: {extra[:10]}"
            raise ValueError(msg + f". Expected {len(self.names)} columns: {list(self.names)[:20]}")
        raise ValueError(f"{what} has the right columns in the wrong order; expected {list(self.names)[:20]}, "
                         f"got {list(names)[:20]}. Reorder with X[{list(self.names)[:3]}...]")

    def decode(self, Z: np.ndarray) -> Any:
        """Turn an encoded matrix back into the container and dtypes of the data."""
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_features:
            raise ValueError(f"encoded data must have shape (n, {self.n_features}), got {Z.shape}")
        if self.container == "numpy":
            if self.all_identity and (self.numpy_dtype is None or np.dtype(self.numpy_dtype).kind in "fiub"):
                return Z
            out = np.empty(Z.shape, dtype=object)
            for j, col in enumerate(self.columns):
                out[:, j] = _decode_values(col, Z[:, j])
            return out
        if self.container == "polars":
            import polars as pl
            return pl.DataFrame([_polars_series(col, Z[:, j]) for j, col in enumerate(self.columns)])
        data = {col.name: _decode_series(col, Z[:, j], self.container) for j, col in enumerate(self.columns)}
        return pd.DataFrame(data, copy=False)

    def display_values(self, Z: np.ndarray) -> np.ndarray:
        """Human-readable values of encoded rows: an object array (n, p)."""
        Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
        out = np.empty(Z.shape, dtype=object)
        for j, col in enumerate(self.columns):
            out[:, j] = _decode_values(col, Z[:, j])
        return out

    def grid_values(self, j: int) -> np.ndarray | None:
        """All encoded values of a categorical column (None for continuous)."""
        col = self.columns[j]
        if col.encoding == "codes":
            return np.arange(len(col.categories), dtype=np.float64)
        if col.kind == "categorical" and col.categories is not None:
            return np.asarray(col.categories, dtype=np.float64)
        return None

    def labels(self, j: int, encoded: np.ndarray) -> np.ndarray:
        """Readable labels of encoded values of column j (object array)."""
        return _decode_values(self.columns[j], np.asarray(encoded, dtype=np.float64))

    # ----------------------------------------------------------- transport
    def to_dict(self) -> dict:
        return {
            "container": self.container,
            "columns": [{"name": c.name, "kind": c.kind, "encoding": c.encoding,
                         "categories": None if c.categories is None else [_plain(v) for v in c.categories]}
                        for c in self.columns],
        }


# ---------------------------------------------------------------- helpers
def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _split_columns(X: Any, feature_names: Sequence[str] | None, what: str = "X"):
    """Split input into (container, names, column arrays, dtypes, numpy dtype)."""
    if X is None:
        raise TypeError(f"{what} is None; expected a 2-D array or DataFrame")
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        if any(not isinstance(c, str) for c in X.columns):
            names = [str(c) for c in X.columns]
        arrays, dtypes = [], []
        for k in range(X.shape[1]):
            s = X.iloc[:, k]
            dtypes.append(s.dtype)
            if isinstance(s.dtype, pd.CategoricalDtype):
                arrays.append(s)  # keep the categorical for its codes
            else:
                arrays.append(s.to_numpy())
        return "pandas", names, arrays, dtypes, None
    if _is_polars(X):
        names, arrays, dtypes = _polars_columns(X)
        return "polars", names, arrays, dtypes, None
    if isinstance(X, pd.Series):
        raise ValueError(f"{what} is a pandas Series; pass a 2-D table, e.g. X.to_frame().T for one row")
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        arr = np.asarray(X)
        if arr.ndim == 1:
            raise ValueError(f"{what} is 1-D with shape {arr.shape}; expected 2-D (n_rows, n_features). "
                             "For a single row use X.reshape(1, -1)")
        if arr.ndim != 2:
            raise ValueError(f"{what} must be 2-D (n_rows, n_features), got shape {arr.shape}")
        if arr.dtype.kind not in "biufOUS":
            raise TypeError(f"{what} has dtype {arr.dtype}; expected numbers or strings")
        p = arr.shape[1]
        if feature_names is None:
            names = [f"x{j}" for j in range(p)]
        else:
            names = [str(n) for n in feature_names]
            if len(names) != p:
                raise ValueError(f"{what} has {p} columns, the model expects {len(names)}")
        arrays = [arr[:, j] for j in range(p)]
        return "numpy", names, arrays, [arr.dtype] * p, arr.dtype
    raise TypeError(f"{what} must be a numpy array, pandas or polars DataFrame, got {describe(X)}")


def _is_temporal(dtype: Any) -> bool:
    """Datetime, timedelta or period dtypes (numpy, pandas or polars)."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "mM"
    if isinstance(dtype, pd.PeriodDtype):
        return True
    try:
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            return True
    except TypeError:  # pragma: no cover - exotic dtypes
        pass
    is_temporal = getattr(dtype, "is_temporal", None)  # polars
    if callable(is_temporal):
        try:
            return bool(is_temporal())
        except TypeError:  # pragma: no cover
            return False
    return False


def _infer_column(name: str, arr: Any, dtype: Any, container: str, *, auto: bool, forced: bool,
                  max_discrete: int) -> Column:
    if isinstance(dtype, pd.CategoricalDtype):
        cats = tuple(_plain(v) for v in dtype.categories)
        return Column(name, "categorical", "codes", cats, dtype)
    if _is_temporal(dtype):
        raise TypeError(f"column {name!r} holds dates or times ({dtype}); unboxed explains numeric, boolean and "
                        "categorical features: convert it first (e.g. to a number of days, or the year)")
    values = np.asarray(arr)
    pl_dtype = dtype if container == "polars" else None
    is_bool = values.dtype.kind == "b" or str(dtype) in ("boolean", "Boolean")
    if is_bool:
        return Column(name, "categorical", "codes", (False, True), dtype)
    if values.dtype.kind in "OUS" and _is_string_like(values):
        if pl_dtype is not None and str(pl_dtype).startswith("Categorical"):
            pass
        miss = _missing_mask(values)
        present = values[~miss]
        try:
            cats = tuple(sorted(set(present.tolist())))
        except TypeError:
            cats = tuple(sorted(set(present.tolist()), key=str))
        return Column(name, "categorical", "codes", cats, dtype)
    # numeric
    try:
        num = values.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"column {name!r} mixes numbers and other values ({values[:3].tolist()}...); "
                        "expected numbers or strings") from None
    discrete = False
    finite = num[np.isfinite(num)]
    uniq = np.unique(finite)
    if forced:
        discrete = True
    elif auto and finite.size and np.all(uniq == np.round(uniq)) and uniq.size <= max_discrete:
        discrete = True
    if discrete:
        return Column(name, "categorical", "identity", tuple(float(u) for u in uniq), dtype)
    return Column(name, "numeric", "identity", None, dtype)


def _encode_column(col: Column, arr: Any, what: str) -> np.ndarray:
    if col.encoding == "codes":
        if isinstance(arr, pd.Series) and isinstance(arr.dtype, pd.CategoricalDtype):
            cats = tuple(_plain(v) for v in arr.dtype.categories)
            codes = arr.cat.codes.to_numpy().astype(np.float64)
            codes[codes < 0] = np.nan
            if cats == col.categories:
                return codes
            values = np.asarray(arr.astype(object))
        else:
            values = np.asarray(arr)
        if values.dtype.kind == "b" or (col.categories == (False, True) and values.dtype.kind in "iuf"):
            v = values.astype(np.float64)
            bad = np.isfinite(v) & (v != 0) & (v != 1)
            if bad.any():
                raise ValueError(f"{what} column {col.name!r} should be boolean, found {v[bad][:3].tolist()}")
            return v
        miss = _missing_mask(values)
        out = np.full(values.shape[0], np.nan)
        lookup = {c: i for i, c in enumerate(col.categories)}
        present = values[~miss]
        try:
            codes = np.fromiter((lookup.get(v, -1) for v in present.tolist()), dtype=np.int64, count=present.size)
        except TypeError:
            codes = np.full(present.size, -1)
        if (codes < 0).any():
            unseen = sorted({str(v) for v, c in zip(present.tolist(), codes) if c < 0})
            raise ValueError(f"{what} column {col.name!r} has categories not seen when the schema was built: "
                             f"{unseen[:10]}; known categories: {[str(c) for c in col.categories][:20]}")
        out[~miss] = codes
        return out
    # identity (numeric)
    if isinstance(arr, pd.Series):
        arr = arr.to_numpy()
    values = np.asarray(arr)
    if values.dtype.kind in "OUS":
        try:
            v = pd.to_numeric(pd.Series(values, copy=True), errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError):
            bad = []
            for x in values.tolist():
                try:
                    float(x)
                except (TypeError, ValueError):
                    if x is not None:
                        bad.append(x)
                if len(bad) >= 3:
                    break
            raise TypeError(f"{what} column {col.name!r} is numeric but holds non-numeric values such as "
                            f"{bad!r}") from None
    else:
        try:
            v = values.astype(np.float64)
        except (TypeError, ValueError):
            v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(v).any():
        rows = np.nonzero(np.isinf(v))[0][:5].tolist()
        raise ValueError(f"{what} column {col.name!r} has infinite values (rows {rows}); expected finite numbers")
    return v


def _decode_values(col: Column, z: np.ndarray) -> np.ndarray:
    """Encoded column -> object array of original values (None for missing)."""
    if col.encoding == "identity":
        out = np.empty(z.shape[0], dtype=object)
        out[:] = z
        return out
    cats = np.empty(len(col.categories) + 1, dtype=object)
    cats[:-1] = list(col.categories)
    cats[-1] = None
    codes = np.where(np.isnan(z), -1, z).astype(np.int64)
    return cats[codes]


def _decode_series(col: Column, z: np.ndarray, container: str) -> Any:
    if col.encoding == "identity":
        dt = col.dtype
        # integer columns go back as integers only when every value is integral: a grid
        # point such as 37.5 (a percentile) stays a float rather than being truncated
        integral = bool(np.all(np.isfinite(z))) and bool(np.all(z == np.round(z)))
        if container == "pandas" and isinstance(dt, np.dtype) and dt.kind in "iu":
            return z.astype(dt) if integral else z
        if container == "pandas" and isinstance(dt, np.dtype) and dt.kind == "f" and dt != np.float64:
            return z.astype(dt)
        if container == "pandas" and not isinstance(dt, np.dtype):
            present = z[~np.isnan(z)]
            if str(dt).startswith(("Int", "UInt")) and not np.all(present == np.round(present)):
                return z
            try:
                return pd.array(z, dtype="Float64").astype(dt)  # NaN becomes <NA>
            except (TypeError, ValueError):
                return z
        return z
    codes = np.where(np.isnan(z), -1, z).astype(np.int64)
    if container == "pandas":
        if isinstance(col.dtype, pd.CategoricalDtype):
            return pd.Categorical.from_codes(codes, dtype=col.dtype)
        values = _decode_values(col, z)
        if isinstance(col.dtype, np.dtype) and col.dtype.kind == "b":
            return values.astype(bool) if not np.isnan(z).any() else values
        if isinstance(col.dtype, np.dtype):
            return values
        base = _category_array(col)
        if base is not None:  # e.g. pandas "str": take from the categories, -1 -> missing
            return base.take(codes, allow_fill=True)
        return values
    values = _decode_values(col, z)
    if col.categories == (False, True):
        return values.astype(bool) if not np.isnan(z).any() else values
    return values.tolist()


_CATEGORY_ARRAYS: dict = {}


def _category_array(col: Column) -> Any:
    """The categories of a column as a pandas extension array of its dtype (cached), or None."""
    key = (col.categories, col.dtype)
    try:
        return _CATEGORY_ARRAYS[key]
    except KeyError:
        pass
    except TypeError:  # unhashable categories or dtype
        return _build_category_array(col)
    arr = _build_category_array(col)
    if len(_CATEGORY_ARRAYS) > 256:
        _CATEGORY_ARRAYS.clear()
    _CATEGORY_ARRAYS[key] = arr
    return arr


def _build_category_array(col: Column) -> Any:
    values = np.empty(len(col.categories), dtype=object)
    values[:] = list(col.categories)
    try:
        return pd.array(values, dtype=col.dtype)
    except (TypeError, ValueError):
        return None


def _polars_series(col: Column, z: np.ndarray) -> Any:
    """One encoded column as a polars Series of the original dtype (missing values as null)."""
    import polars as pl
    dt = col.dtype
    missing = np.isnan(z)
    if col.encoding == "identity":
        s = pl.Series(col.name, z, dtype=pl.Float64)
        if missing.any():
            s = s.fill_nan(None)
        present = z[~missing]
        is_int = getattr(dt, "is_integer", None)
        if callable(is_int) and is_int() and not np.all(present == np.round(present)):
            return s  # a non-integral grid point stays a float rather than being truncated
        try:
            return s.cast(dt)
        except Exception:  # pragma: no cover - dtypes polars cannot cast floats to
            return s
    values = _decode_values(col, z).tolist()
    if col.categories == (False, True):
        return pl.Series(col.name, values, dtype=pl.Boolean)
    try:
        return pl.Series(col.name, values, dtype=dt)
    except Exception:
        return pl.Series(col.name, values)


def as_schema(X: Any, schema: Schema | None = None, **kwargs: Any) -> Schema:
    """The schema of ``X``, or ``schema`` if one is given."""
    if schema is not None:
        if not isinstance(schema, Schema):
            raise TypeError(f"schema must be an unboxed Schema, got {describe(schema)}")
        return schema
    return Schema.from_data(X, **kwargs)
