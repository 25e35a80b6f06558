"""Backends: run independent chunks of work serially, on local processes, or on dask.

Every method that loops over rows, features or repeats splits its work into
chunks and hands them to :func:`map_chunks`. The chunking never depends on the
backend, and all randomness is drawn either up front in the caller or from
:func:`~unboxed._validation.check_random_state` keyed by the logical unit
(row, repeat, feature) — so the same ``random_state`` gives the same answer on
every backend.

Backends
--------
``None`` / ``"local"``
    In-process, one chunk after another (each chunk is itself vectorized).
``"processes"``
    All cores of this machine, via joblib's loky process pool.
``dask.distributed.Client``
    The chunks are submitted to the cluster; shared arguments are scattered once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._validation import describe

__all__ = ["map_chunks", "check_backend", "chunk_slices", "rows_per_chunk", "backend_name"]


def _is_dask_client(obj: Any) -> bool:
    return (type(obj).__name__ == "Client" and type(obj).__module__.startswith("distributed")
            and hasattr(obj, "submit"))


def check_backend(backend: Any) -> Any:
    """Validate ``backend``; return ``"local"``, ``"processes"`` or the client."""
    if backend is None or (isinstance(backend, str) and backend in ("local", "serial", "threads")):
        return "local"
    if isinstance(backend, str) and backend == "processes":
        return "processes"
    if _is_dask_client(backend):
        return backend
    if isinstance(backend, str) and backend == "dask":
        try:
            from distributed import default_client
        except ImportError as e:
            raise ImportError("backend='dask' needs dask.distributed: pip install 'unboxed[dask]'") from e
        try:
            return default_client()
        except ValueError:
            raise ValueError("backend='dask' needs a running dask.distributed Client; create one with "
                             "Client() or pass the client itself as backend=") from None
    raise ValueError(f"backend must be None, 'local', 'processes', 'dask' or a dask.distributed.Client, "
                     f"got {backend!r} ({describe(backend)})")


def backend_name(backend: Any) -> str:
    b = check_backend(backend)
    return b if isinstance(b, str) else "dask"


def chunk_slices(n: int, size: int) -> list[slice]:
    """Consecutive slices of at most ``size`` covering ``range(n)``."""
    size = max(1, int(size))
    return [slice(s, min(n, s + size)) for s in range(0, n, size)]


def rows_per_chunk(unit_rows: int, n_features: int, *, max_rows: int = 2**18,
                   max_bytes: int = 256 * 2**20) -> int:
    """How many work units fit in a chunk.

    ``unit_rows`` is the number of model rows one unit (one data row, one repeat,
    ...) expands to. The chunk is bounded by ``max_rows`` model rows and by
    ``max_bytes`` of float64 input, so memory stays bounded whatever the data size.
    """
    per_unit = max(1, unit_rows)
    by_bytes = max_bytes // (8 * max(1, n_features) * per_unit)
    by_rows = max_rows // per_unit
    return max(1, min(by_bytes, by_rows))


def _progress_bar(total: int, desc: str, progress: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, disable=not progress or total <= 1, delay=0.5, leave=False)


def map_chunks(fn: Callable[..., Any], chunks: Sequence[Any], *, backend: Any = None,
               progress: bool = True, desc: str = "unboxed", shared: dict | None = None) -> list:
    """Apply ``fn(chunk, **shared)`` to every chunk; results in chunk order.

    Parameters
    ----------
    fn : callable
        A module-level function (so that it pickles) of one chunk and the shared
        keyword arguments. It must be deterministic given its arguments.
    chunks : sequence
        The pieces of work (slices, index arrays, seeds, ...).
    backend : None, "local", "processes", "dask" or dask.distributed.Client
    progress : bool
        Show a tqdm progress bar for work with more than one chunk.
    shared : dict, optional
        Large read-only arguments (the model function, encoded data). On dask
        they are scattered to the workers once.
    """
    b = check_backend(backend)
    shared = shared or {}
    n = len(chunks)
    if n == 0:
        return []
    bar = _progress_bar(n, desc, progress)
    try:
        if b == "local" or n == 1:
            out = []
            for c in chunks:
                out.append(fn(c, **shared))
                bar.update(1)
            return out
        if b == "processes":
            from joblib import Parallel, delayed
            n_jobs = min(n, os.cpu_count() or 1)
            par = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
            out = []
            for r in par(delayed(fn)(c, **shared) for c in chunks):
                out.append(r)
                bar.update(1)
            return out
        # dask
        from distributed import as_completed
        client = b
        # hash=False: fresh keys, so a later call with equal data never races the release of this one
        futures_shared = {k: client.scatter(v, broadcast=True, hash=False) for k, v in shared.items()}
        futures = [client.submit(fn, c, **futures_shared, pure=False) for c in chunks]
        index = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * n
        for fut in as_completed(futures):
            out[index[fut.key]] = fut.result()
            bar.update(1)
        return out
    finally:
        bar.close()


def stack_counts(results: Sequence[tuple[np.ndarray, int]]) -> tuple[list[np.ndarray], int]:
    """Split ``(array, n_evals)`` pairs returned by chunk functions."""
    arrays = [r[0] for r in results]
    return arrays, int(sum(r[1] for r in results))
