"""Schema inference, encoding and decoding: the representation every method works on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unboxed import Schema
from unboxed._data import MAX_DISCRETE


@pytest.fixture
def mixed():
    return pd.DataFrame({
        "age": [23.5, 41.0, 35.2, np.nan, 60.1],
        "n_kids": np.array([0, 1, 2, 1, 3], dtype="int64"),
        "city": pd.Categorical(["a", "b", "a", "c", None], categories=["c", "a", "b"]),
        "job": ["x", "y", "x", "y", None],
        "owner": [True, False, True, True, False],
    })


def test_kinds_and_categories(mixed):
    s = Schema.from_data(mixed)
    assert s.names == ("age", "n_kids", "city", "job", "owner")
    assert s.kinds == ("numeric", "categorical", "categorical", "categorical", "categorical")
    assert s["city"].categories == ("c", "a", "b")  # the dtype's own order
    assert s["job"].categories == ("x", "y")
    assert s["n_kids"].encoding == "identity" and s["n_kids"].categories == (0.0, 1.0, 2.0, 3.0)
    assert s["owner"].categories == (False, True)


def test_round_trip_keeps_values_and_dtypes(mixed):
    s = Schema.from_data(mixed)
    Z = s.encode(mixed)
    assert Z.dtype == np.float64 and Z.shape == (5, 5)
    np.testing.assert_array_equal(Z[:, 2], [1, 2, 1, 0, np.nan])
    back = s.decode(Z)
    pd.testing.assert_frame_equal(back, mixed)


def test_encode_does_not_modify_input(mixed):
    before = mixed.copy(deep=True)
    s = Schema.from_data(mixed)
    Z = s.encode(mixed)
    Z[:] = 0.0
    pd.testing.assert_frame_equal(mixed, before)


def test_numpy_numeric_is_identity():
    X = np.random.default_rng(0).normal(size=(20, 3))
    s = Schema.from_data(X)
    assert s.names == ("x0", "x1", "x2") and not s.named
    Z = s.encode(X)
    np.testing.assert_array_equal(Z, X)
    assert s.decode(Z) is not None and s.decode(Z).dtype == np.float64


def test_numpy_object_with_strings():
    X = np.array([[1.0, "a"], [2.0, "b"], [3.0, "a"]], dtype=object)
    s = Schema.from_data(X, feature_names=["v", "k"])
    assert s.kinds == ("categorical", "categorical") or s.kinds[1] == "categorical"
    back = s.decode(s.encode(X))
    assert back[:, 1].tolist() == ["a", "b", "a"]


def test_max_discrete_threshold():
    X = pd.DataFrame({"few": np.arange(40) % MAX_DISCRETE, "many": np.arange(40) % (MAX_DISCRETE + 1)})
    s = Schema.from_data(X)
    assert s["few"].kind == "categorical" and s["many"].kind == "numeric"
    s2 = Schema.from_data(X, categorical_features=None)
    assert s2.kinds == ("numeric", "numeric")
    s3 = Schema.from_data(X, categorical_features=["many"])
    assert s3.kinds == ("numeric", "categorical")


def test_polars_round_trip():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["u", "v", "u"]})
    s = Schema.from_data(df)
    assert s.container == "polars" and s.kinds == ("numeric", "categorical")
    out = s.decode(s.encode(df))
    assert isinstance(out, pl.DataFrame)
    assert out["b"].to_list() == ["u", "v", "u"] and out["a"].to_list() == [1.5, 2.5, 3.5]


# ---------------------------------------------------------------- bad input
def test_wrong_column_count():
    s = Schema.from_data(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="has 3 columns, the model expects 4"):
        s.encode(np.zeros((2, 3)))


def test_wrong_names_and_order(mixed):
    s = Schema.from_data(mixed)
    with pytest.raises(ValueError, match="missing: \\['owner'\\]"):
        s.encode(mixed.drop(columns="owner"))
    with pytest.raises(ValueError, match="wrong order"):
        s.encode(mixed[mixed.columns[::-1]])


def test_unseen_category(mixed):
    s = Schema.from_data(mixed)
    bad = mixed.copy()
    bad["job"] = ["x", "y", "z", "x", "y"]
    with pytest.raises(ValueError, match=r"categories not seen.*\['z'\]"):
        s.encode(bad, name="background")


def test_strings_in_numeric_column(mixed):
    s = Schema.from_data(mixed)
    bad = mixed.copy()
    bad["age"] = bad["age"].astype(object)
    bad.loc[1, "age"] = "forty"
    with pytest.raises(TypeError, match="'age' is numeric but holds non-numeric values such as \\['forty'\\]"):
        s.encode(bad)


def test_inf_and_nan():
    X = np.array([[1.0, 2.0], [np.inf, 1.0]])
    s = Schema.from_data(np.ones((2, 2)))
    with pytest.raises(ValueError, match="infinite values"):
        s.encode(X)
    with pytest.raises(ValueError, match="missing values in column 'x1'"):
        s.encode(np.array([[1.0, np.nan]]), allow_nan=False)
    assert np.isnan(s.encode(np.array([[1.0, np.nan]]))).sum() == 1


def test_empty_and_shapes():
    s = Schema.from_data(np.ones((2, 2)))
    with pytest.raises(ValueError, match="no rows"):
        s.encode(np.ones((0, 2)))
    with pytest.raises(ValueError, match="1-D"):
        s.encode(np.ones(2))
    with pytest.raises(ValueError, match="pandas Series"):
        s.encode(pd.Series([1.0, 2.0]))
    with pytest.raises(TypeError, match="got dict"):
        Schema.from_data({"a": [1]})
    with pytest.raises(ValueError, match="unique"):
        Schema.from_data(pd.DataFrame(np.ones((2, 2)), columns=["a", "a"]))


def test_unknown_feature_name(mixed):
    s = Schema.from_data(mixed)
    with pytest.raises(ValueError, match="unknown feature 'agee'"):
        s.index("agee")
    assert s.indices(["job", 0]) == [3, 0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from(["p", "q", "r"])),
                min_size=1, max_size=30))
def test_round_trip_property(rows):
    df = pd.DataFrame(rows, columns=["num", "cat"])
    s = Schema.from_data(df, categorical_features=None)
    back = s.decode(s.encode(df))
    np.testing.assert_array_equal(back["num"].to_numpy(), df["num"].to_numpy())
    assert back["cat"].tolist() == df["cat"].tolist()


def test_integer_columns_keep_fractional_grid_values():
    # a percentile grid point such as 1.5 on an integer column must reach the model as 1.5,
    # not truncated to 1; integral values still go back as the column's integer dtype
    df = pd.DataFrame({"a": [1, 2, 3], "b": pd.array([1, 2, 3], dtype="Int64")})
    s = Schema.from_data(df)
    Z = s.encode(df)
    back = s.decode(Z)
    assert back["a"].dtype == np.int64 and str(back["b"].dtype) == "Int64"
    Z[0, :] = [1.5, 2.5]
    frac = s.decode(Z)
    assert frac["a"].iloc[0] == 1.5 and frac["b"].iloc[0] == 2.5


# ---------------------------------------------------------------- robustness sweep
def test_polars_decode_keeps_dtypes_and_nulls():
    pl = pytest.importorskip("polars")
    P = pl.DataFrame({
        "i32": pl.Series([1, None, 3, 4] * 5, dtype=pl.Int32),
        "f": [0.5, 1.5, None, 2.5] * 5,
        "cat": pl.Series(["a", "b", None, "a"] * 5, dtype=pl.Categorical),
        "enum": pl.Series(["x", "y", "x", None] * 5, dtype=pl.Enum(["y", "x"])),
        "s": ["u", None, "v", "u"] * 5,
        "flag": [True, False, None, True] * 5,
    })
    s = Schema.from_data(P)
    back = s.decode(s.encode(P))
    assert back.schema == P.schema
    assert back.equals(P)  # nulls stay nulls (not NaN), categories stay categorical
    Z = s.encode(P)
    Z[:, 0] = 2.5  # a non-integral grid point of an integer column is not truncated
    assert s.decode(Z)["i32"].to_list()[0] == 2.5


def test_pandas_decode_keeps_nullable_and_float32_dtypes():
    X = pd.DataFrame({"n": pd.array([1, None, 3] * 5 + [40], dtype="Int64"),
                      "g": pd.array([1.5, None, 2.0] * 5 + [3.0], dtype="Float64"),
                      "f32": np.linspace(0, 1, 16, dtype=np.float32)})
    s = Schema.from_data(X)
    pd.testing.assert_frame_equal(s.decode(s.encode(X)), X)


@pytest.mark.parametrize("col", [pd.date_range("2020-01-01", periods=4),
                                 pd.date_range("2020-01-01", periods=4, tz="UTC"),
                                 pd.to_timedelta(np.arange(4), unit="D"),
                                 pd.period_range("2020-01", periods=4, freq="M")])
def test_dates_and_times_are_refused_clearly(col):
    X = pd.DataFrame({"a": np.arange(4.0), "when": col})
    with pytest.raises(TypeError, match="'when' holds dates or times"):
        Schema.from_data(X)
