"""Statistical disclosure control for published people counts (the public transparency page).

Pure functions on plain data, no Django: a table is a dict {cell: count} (cells are any hashable
keys) and a list of `Relation`s, each saying that a total is the sum of its parts (women + men +
no registrado = total; municipalities of a department = the department; departments = the
nation). `protect` returns the status of every cell:

- SMALL: 0–4 people (below `threshold`): shown as "<5" (primary suppression). Zero is hidden
  too: a zero shown beside a small count narrows it (a total of 6 with a part shown 0 and two
  parts "<5" leaves 2+4, 3+3 or 4+2 instead of anything from 0+6), and in a sparse table the
  shown zeros can pin small counts exactly; it also means "<5" tells a reader 0–4, exactly;
- RESERVED: a complementary cell (5 or more) hidden so that no SMALL cell can be worked out from
  the totals (secondary suppression), shown as a mark that says so;
- SHOWN: the number itself (5 or more).

Secondary suppression repeats until nothing hidden can be found again:

1. every relation that hides one cell hides a second one (the smallest non-zero part first, the
   total last), so a single subtraction finds nothing;
2. an exact audit: the hidden cells are unknowns of the linear system the published relations
   form; a cell is recoverable when the system fixes it (reduced row echelon form over the
   rationals: its pivot row has no free unknown). Sums and differences of several relations,
   the usual "subtract the other municipalities from the department" chains, are covered;
3. an interval audit: what a reader knows about each hidden cell ("<5": 0–4; reserved: at least
   `threshold`, since a smaller value would have been shown as "<5") is propagated through the
   relations until nothing changes; a hidden cell narrowed to a single value is recoverable too.

A recoverable cell gets one more complement in one of its relations, and the loop runs again.
Relations are treated as exact even where the published figures are distinct counts that are
not strictly additive (a person in two municipalities counts once in the department): that
protects against the approximate subtraction as well.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5
SHOWN, SMALL, RESERVED = "shown", "small", "reserved"


@dataclass(frozen=True)
class Relation:
    """`total` = sum of `parts` (all cells of the same table)."""

    total: Hashable
    parts: tuple

    @property
    def cells(self) -> tuple:
        return (self.total, *self.parts)


def protect(values: dict, relations: Iterable[Relation], threshold: int = THRESHOLD) -> dict:
    """{cell: SHOWN | SMALL | RESERVED} for every cell of `values` (see the module's docstring)."""
    relations = list(relations)
    status = {cell: SMALL if value < threshold else SHOWN for cell, value in values.items()}
    by_cell: dict = {}
    for relation in relations:
        for cell in relation.cells:
            by_cell.setdefault(cell, []).append(relation)
    for _round in range(len(values) + 1):
        _pair_up(values, relations, status)
        leaks = recoverable(values, relations, status, threshold)
        if not leaks:
            break
        added = False
        for cell in sorted(leaks, key=_order):
            if status[cell] != SHOWN and _complement(values, by_cell.get(cell, []), status):
                added = True
        if not added:  # nothing left to hide in the relations of what leaks: hide the leaking relations whole
            for cell in leaks:
                for relation in by_cell.get(cell, []):
                    for other in relation.cells:
                        if status[other] == SHOWN:
                            status[other] = RESERVED
    return status


def _order(cell) -> str:
    return repr(cell)


def _candidates(values, relation: Relation, status):
    """Cells of `relation` still shown (all 5 or more), best complement first: a part before the
    total, the smallest value (least information lost), then a stable order."""
    shown = [cell for cell in relation.cells if status[cell] == SHOWN]
    return sorted(shown, key=lambda c: (c == relation.total, values[c], _order(c)))


def _pair_up(values, relations, status) -> None:
    """Until stable: a relation hiding exactly one cell hides a second one."""
    changed = True
    while changed:
        changed = False
        for relation in relations:
            hidden = sum(1 for cell in relation.cells if status[cell] != SHOWN)
            if hidden == 1:
                candidates = _candidates(values, relation, status)
                if candidates:
                    status[candidates[0]] = RESERVED
                    changed = True


def _complement(values, relations, status) -> bool:
    """Hide the best shown cell among `relations` (those of a recoverable cell). False when none."""
    best = None
    for relation in relations:
        for cell in _candidates(values, relation, status)[:1]:
            key = (values[cell], _order(cell))
            if best is None or key < best[0]:
                best = (key, cell)
    if best is None:
        return False
    status[best[1]] = RESERVED
    return True


# --- Audits: can a reader work out a hidden cell from what is shown? -------------------------------


def recoverable(values: dict, relations: Iterable[Relation], status: dict, threshold: int = THRESHOLD) -> set:
    """Hidden cells that the published table fixes: exactly (linear algebra) or by their bounds."""
    relations = list(relations)
    return determined(relations, status) | pinned(values, relations, status, threshold)


def determined(relations: Iterable[Relation], status: dict) -> set:
    """Hidden cells whose value any combination of the relations (sums and differences) fixes.

    Each relation restricted to its hidden cells is one equation (the shown cells are known
    numbers, moved to the right-hand side). Gauss–Jordan elimination over the rationals, on
    sparse rows: a hidden cell is fixed when it is a pivot whose row names no free unknown.
    """
    hidden = sorted({c for r in relations for c in r.cells if status[c] != SHOWN}, key=_order)
    index = {cell: i for i, cell in enumerate(hidden)}
    pivots: dict[int, dict[int, Fraction]] = {}
    for relation in relations:
        row: dict[int, Fraction] = {}
        for cell, coefficient in ((relation.total, 1), *((p, -1) for p in relation.parts)):
            if status[cell] != SHOWN:
                i = index[cell]
                row[i] = row.get(i, 0) + Fraction(coefficient)
        row = {i: c for i, c in row.items() if c}
        for pivot, pivot_row in pivots.items():
            factor = row.get(pivot)
            if factor:
                _subtract(row, pivot_row, factor)
        if not row:
            continue
        pivot = min(row)
        lead = row[pivot]
        row = {i: c / lead for i, c in row.items()}
        for other in pivots.values():
            factor = other.get(pivot)
            if factor:
                _subtract(other, row, factor)
        pivots[pivot] = row
    return {hidden[pivot] for pivot, row in pivots.items() if len(row) == 1}


def _subtract(row: dict, other: dict, factor) -> None:
    """row -= factor × other (sparse)."""
    for i, c in other.items():
        value = row.get(i, 0) - factor * c
        if value:
            row[i] = value
        else:
            row.pop(i, None)


def pinned(values: dict, relations: Iterable[Relation], status: dict, threshold: int = THRESHOLD) -> set:
    """Hidden cells whose bounds, propagated through the relations, leave a single value.

    A reader knows: a shown cell exactly, "<5" is 0 to threshold − 1, a reserved cell is at
    least `threshold`. Relations whose published numbers contradict these bounds (distinct
    counts are not strictly additive) teach the reader nothing exact and are skipped.
    """
    relations = list(relations)
    low: dict = {}
    high: dict = {}
    for cell, value in values.items():
        if status[cell] == SHOWN:
            low[cell] = high[cell] = value
        elif status[cell] == SMALL:
            low[cell], high[cell] = 0, threshold - 1
        else:
            low[cell], high[cell] = threshold, math.inf
    broken: set = set()
    for _pass in range(50):
        changed = False
        for n, relation in enumerate(relations):
            if n in broken:
                continue
            total, parts = relation.total, relation.parts
            proposals = [(total, sum(low[p] for p in parts), sum(high[p] for p in parts))]
            for part in parts:
                others_high, others_low = _sum_without(high, parts, part), _sum_without(low, parts, part)
                proposals.append((part, low[total] - others_high, high[total] - others_low))
            tightened = [(c, max(low[c], lo), min(high[c], hi)) for c, lo, hi in proposals]
            if any(lo > hi for _c, lo, hi in tightened):
                broken.add(n)
                continue
            for cell, lo, hi in tightened:
                if (lo, hi) != (low[cell], high[cell]):
                    low[cell], high[cell] = lo, hi
                    changed = True
        if not changed:
            break
    return {cell for cell in values if status[cell] != SHOWN and low[cell] == high[cell]}


def _sum_without(bounds: dict, parts, skip) -> float:
    return sum(bounds[p] for p in parts if p != skip)


def hierarchy(units: dict, children: dict, columns: tuple, total_column) -> list[Relation]:
    """The relations of a hierarchical table: in every row the `columns` add up to `total_column`,
    and in every column the children of a unit add up to the unit.

    `units`: the row keys; `children`: {parent row: [child rows]}; cells are (row, column).
    """
    relations = [Relation((unit, total_column), tuple((unit, c) for c in columns)) for unit in units]
    for parent, kids in children.items():
        if kids:
            for column in (*columns, total_column):
                relations.append(Relation((parent, column), tuple((kid, column) for kid in kids)))
    return relations
