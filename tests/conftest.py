"""Shared fixtures. Plots render with the Agg backend; nothing opens a window."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def german():
    """German credit: (X, y) with 7 int64 and 13 category columns, y "good"/"bad"."""
    from unboxed.datasets import load_german_credit
    return load_german_credit(return_X_y=True)


@pytest.fixture(scope="session")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer(as_frame=True)
    return d.data, d.target


@pytest.fixture(scope="session")
def dask_client():
    """A small dask LocalCluster shared by the whole session (2 worker processes)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def assert_unmodified(before, after):
    """Helper: the caller's data is unchanged (values and dtypes)."""
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    else:
        np.testing.assert_array_equal(before, after)
