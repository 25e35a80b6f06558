"""Players of a Shapley game: single features, or groups of features.

Shapley values share a model's output among *players*. By default every
column is a player; ``groups={"purpose": ["purpose_car", "purpose_tv"], ...}``
makes a set of columns one player (the one-hot columns of one variable, or a
user-defined concept). A coalition of players switches on all the columns of
its players at once.

Columns that no group names stay players of their own. Players are ordered by
the position of their first column, so the result reads in the data's order.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._data import Schema
from .._validation import describe

__all__ = ["Players", "resolve_players"]


class Players:
    """The players of a game over the columns of a schema.

    Attributes
    ----------
    names : tuple of str (n_players,)
    columns : tuple of ndarray
        Column positions of each player.
    owner : ndarray of int (n_features,)
        The player of each column.
    grouped : bool
        True when at least one player holds more than one column.
    """

    def __init__(self, names: tuple[str, ...], columns: tuple[np.ndarray, ...], n_features: int):
        self.names = tuple(names)
        self.columns = tuple(np.asarray(c, dtype=np.intp) for c in columns)
        self.n_features = int(n_features)
        owner = np.full(n_features, -1, dtype=np.intp)
        for i, cols in enumerate(self.columns):
            owner[cols] = i
        self.owner = owner
        self.grouped = any(len(c) > 1 for c in self.columns)

    @property
    def n_players(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return self.n_players

    def column_masks(self, player_masks: np.ndarray) -> np.ndarray:
        """Expand boolean player masks (..., n_players) to column masks (..., n_features)."""
        return np.asarray(player_masks, dtype=bool)[..., self.owner]

    def membership(self) -> np.ndarray:
        """Boolean matrix (n_players, n_features): which columns each player holds."""
        G = np.zeros((self.n_players, self.n_features), dtype=bool)
        G[self.owner, np.arange(self.n_features)] = True
        return G

    def display(self, schema: Schema, Z: np.ndarray) -> np.ndarray:
        """The players' values of encoded rows, as the user knows them: object (n, n_players).

        A single-column player shows its value; a group shows its columns'
        values joined as text, ``"a=1, b=x"``.
        """
        shown = schema.display_values(Z)
        if not self.grouped and np.array_equal(self.owner, np.arange(self.n_features)):
            return shown
        out = np.empty((Z.shape[0], self.n_players), dtype=object)
        for i, cols in enumerate(self.columns):
            if len(cols) == 1:
                out[:, i] = shown[:, cols[0]]
            else:
                names = [schema.names[j] for j in cols]
                out[:, i] = [", ".join(f"{nm}={_fmt(v)}" for nm, v in zip(names, row))
                             for row in shown[:, cols]]
        return out

    def to_param(self) -> tuple | None:
        """A JSON-able record of the grouping (None when every column is its own player)."""
        if not self.grouped:
            return None
        return tuple((nm,) + tuple(str(int(c)) for c in cols) for nm, cols in zip(self.names, self.columns))

    def __repr__(self) -> str:
        return f"Players({self.n_players} players over {self.n_features} columns)"


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def resolve_players(schema: Schema, groups: Mapping[str, Any] | None) -> Players:
    """Build the players of ``schema`` from ``groups`` (name -> columns).

    Parameters
    ----------
    schema : Schema
    groups : dict or None
        Group name -> list of column names or positions (a single name is
        allowed). Columns in no group stay players of their own; a column may
        belong to at most one group.

    Raises
    ------
    TypeError
        If ``groups`` is not a mapping.
    ValueError
        For unknown columns, a column in two groups, an empty group, or a group
        name that is also the name of a column outside the group.
    """
    p = schema.n_features
    if groups is None:
        return Players(schema.names, tuple(np.array([j]) for j in range(p)), p)
    if not isinstance(groups, Mapping):
        raise TypeError(f"groups must be a dict mapping a group name to a list of columns, got {describe(groups)}")
    if len(groups) == 0:
        raise ValueError("groups is empty; pass None to use every column as its own player")
    taken: dict[int, str] = {}
    found: list[tuple[str, list[int]]] = []
    for name, members in groups.items():
        if not isinstance(name, str):
            raise TypeError(f"group names must be strings, got {name!r}")
        if isinstance(members, (str, numbers.Integral)):
            members = [members]
        try:
            members = list(members)
        except TypeError:
            raise TypeError(f"group {name!r} must list columns, got {describe(members)}") from None
        if not members:
            raise ValueError(f"group {name!r} is empty; a group needs at least one column")
        cols = []
        for m in members:
            j = schema.index(m)
            if j in taken:
                raise ValueError(f"column {schema.names[j]!r} is in two groups: {taken[j]!r} and {name!r}")
            if j in cols:
                raise ValueError(f"group {name!r} lists column {schema.names[j]!r} twice")
            taken[j] = name
            cols.append(j)
        found.append((name, sorted(cols)))
    players: list[tuple[int, str, list[int]]] = [(cols[0], name, cols) for name, cols in found]
    group_names = {name for name, _ in found}
    for j in range(p):
        if j not in taken:
            if schema.names[j] in group_names:
                raise ValueError(f"group name {schema.names[j]!r} is also the name of a column outside that "
                                 "group; rename the group")
            players.append((j, schema.names[j], [j]))
    players.sort(key=lambda t: t[0])
    return Players(tuple(t[1] for t in players), tuple(np.array(t[2]) for t in players), p)
