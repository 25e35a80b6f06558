"""Backends: the same chunks give the same answer serially, on processes and on dask."""

from __future__ import annotations

import numpy as np
import pytest

from unboxed._parallel import backend_name, check_backend, chunk_slices, map_chunks, rows_per_chunk
from unboxed._validation import check_random_state, resolve_seed


def _draw(unit, seed, scale):
    rng = check_random_state(seed, unit)
    return rng.normal(size=3) * scale


def test_chunks_and_sizes():
    assert chunk_slices(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert rows_per_chunk(1000, 10, max_rows=10_000) == 10
    assert rows_per_chunk(10**9, 10) == 1


def test_same_answer_on_every_backend(dask_client):
    units = list(range(6))
    serial = map_chunks(_draw, units, shared={"seed": 42, "scale": 2.0}, progress=False)
    procs = map_chunks(_draw, units, backend="processes", shared={"seed": 42, "scale": 2.0}, progress=False)
    dask = map_chunks(_draw, units, backend=dask_client, shared={"seed": 42, "scale": 2.0}, progress=False)
    for a, b, c in zip(serial, procs, dask):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert backend_name(dask_client) == "dask"


def test_bad_backend():
    with pytest.raises(ValueError, match="backend must be"):
        check_backend("gpu")
    assert check_backend(None) == "local"
    with pytest.raises(ValueError, match="backend must be"):  # not "truth value of an array is ambiguous"
        check_backend(np.zeros(3))


def test_seeds():
    assert resolve_seed(5) == 5
    assert isinstance(resolve_seed(None), int)
    with pytest.raises(ValueError):
        resolve_seed(-1)
    with pytest.raises(TypeError):
        resolve_seed("1")
    a = check_random_state(3, 1).normal(size=2)
    b = check_random_state(3, 1).normal(size=2)
    c = check_random_state(3, 2).normal(size=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
