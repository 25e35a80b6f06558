"""Checks at the boundary of the public API.

Every function here raises ``ValueError`` or ``TypeError`` with a message that
says what was expected and what came. Nothing here modifies its arguments.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "ModelError",
    "ModelInputError",
    "model_error",
    "check_random_state",
    "check_positive_int",
    "check_fraction",
    "check_choice",
    "check_finite_array",
    "describe",
    "resolve_seed",
]


class ModelError(RuntimeError):
    """The model raised, or returned something that cannot be used.

    The original exception is chained as ``__cause__``. When the model rejected
    the data because of missing values (NaN given to a model that cannot take
    them), the error is also a ``ValueError``, like the other data errors.
    """


class ModelInputError(ModelError, ValueError):
    """The model raised on data it cannot take (e.g. NaN for a model without missing-value support)."""


def model_error(message: str, *, bad_input: bool = False) -> ModelError:
    """A :class:`ModelError`; a :class:`ModelInputError` (also a ValueError) when the data is at fault."""
    return ModelInputError(message) if bad_input else ModelError(message)


def describe(obj: Any) -> str:
    """A short human description of a value's type, for error messages."""
    if isinstance(obj, np.ndarray):
        return f"numpy array of shape {obj.shape} and dtype {obj.dtype}"
    name = type(obj).__name__
    mod = type(obj).__module__.split(".")[0]
    if mod in ("builtins",):
        return name
    return f"{mod}.{name}"


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {describe(value)} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_fraction(value: Any, name: str, *, low: float = 0.0, high: float = 1.0,
                   inclusive_low: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in ({low}, {high}], got {describe(value)}")
    v = float(value)
    ok_low = v >= low if inclusive_low else v > low
    if not (ok_low and v <= high) or not np.isfinite(v):
        br = "[" if inclusive_low else "("
        raise ValueError(f"{name} must be in {br}{low}, {high}], got {value}")
    return v


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_finite_array(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise if a float array holds NaN or inf; name the first bad position."""
    a = np.asarray(arr)
    if a.dtype.kind in "fc":
        bad = ~np.isfinite(a)
        if bad.any():
            idx = tuple(int(i[0]) for i in np.nonzero(bad))
            raise ValueError(f"{name} must be finite, found {a[idx]!r} at index {idx}")
    return a


def resolve_seed(random_state: Any) -> int | None:
    """Turn ``random_state`` into a plain integer seed that can be recorded.

    ``None`` draws a fresh seed from the operating system so that the result
    can still be reproduced from its provenance. An integer is used as is.
    A ``numpy.random.Generator`` or ``RandomState`` is asked for one integer.
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state must be None, an int or a numpy Generator, got bool")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState, "
        f"got {describe(random_state)}"
    )


def check_random_state(seed: int | None, *key: int) -> np.random.Generator:
    """A Generator derived from ``seed`` and an optional key path.

    The same ``(seed, *key)`` gives the same stream in any process, which is how
    every backend reproduces the same answer: randomness is keyed by the logical
    unit of work (a repeat, a row, a feature), never by the chunk it lands in.
    """
    if seed is None:
        seed = resolve_seed(None)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key)))
