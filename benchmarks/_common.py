"""Shared helpers for the side-by-side benchmarks.

Every benchmark script runs the reference library and unboxed in one process,
on the same model and data, and prints a table with the ratio. Results are also
written to ``benchmarks/results/<name>.json`` so the README can quote them.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def best_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> float:
    """Best wall time of ``repeat`` runs after ``warmup`` untimed runs, in seconds."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def wall_and_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process (all its threads) for one call of ``fn``.

    CPU time is what other processes' load on a shared machine barely moves.
    """
    box = {}

    def run():
        t = time.process_time()
        fn()
        box["cpu"] = time.process_time() - t

    return best_time(run, repeat=1, warmup=0), box["cpu"]


def parse_args(doc: str | None = None, quick_help: str = "small run (~30 s)"):
    """``--quick`` and ``--threads N`` (limits OpenMP / BLAS threads of every candidate)."""
    import argparse

    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--threads", type=int, default=None,
                    help="limit OpenMP / BLAS threads of every candidate (default: the libraries' own)")
    args = ap.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    return args


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "processor": platform.processor() or platform.machine()}


def print_table(rows: list[dict], columns: list[str], title: str = "") -> None:
    if title:
        print(f"\n## {title}\n")
    fmt = []
    for c in columns:
        fmt.append(max(len(c), *(len(_cell(r.get(c))) for r in rows)) if rows else len(c))
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, fmt)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in fmt) + "|")
    for r in rows:
        print("| " + " | ".join(_cell(r.get(c)).ljust(w) for c, w in zip(columns, fmt)) + " |")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.3g}"
    return str(v)


def save(name: str, rows: list[dict], **meta: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), "meta": meta, "rows": rows}, indent=2, default=str))
    return path
