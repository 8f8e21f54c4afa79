"""Statistical disclosure control (reports.disclosure): pure functions, no database.

The property tests build random hierarchical tables (nation → departments → municipalities ×
women / men / no registrado / total, many small counts) and check, from the published table
alone, that no count of 1–4 is shown and that a reader who subtracts cannot find a hidden value:
neither by single subtractions repeated as long as they find something, nor by any combination
of the relations (an attacker written here independently of the module), nor from the bounds.
"""

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.disclosure import RESERVED, SHOWN, SMALL, Relation, determined, hierarchy, pinned, protect

PARTS = ("w", "m", "n")


def table(departments):
    """departments: [[(w, m, n) per municipality] per department] → (values, relations)."""
    values, children = {}, {"nation": []}
    for d, municipalities in enumerate(departments):
        dept = f"d{d}"
        children["nation"].append(dept)
        children[dept] = []
        for i, parts in enumerate(municipalities):
            muni = f"d{d}m{i}"
            children[dept].append(muni)
            for column, value in zip(PARTS, parts, strict=True):
                values[(muni, column)] = value
    for unit in ["nation", *children["nation"]][::-1]:
        for column in PARTS:
            values[(unit, column)] = sum(values[(kid, column)] for kid in children[unit])
    for unit in list({u for u, _c in values}):
        values[(unit, "t")] = sum(values[(unit, c)] for c in PARTS)
    units = sorted({u for u, _c in values})
    return values, hierarchy(units, children, PARTS, "t")


def shown(values, status):
    return {cell: values[cell] for cell in values if status[cell] == SHOWN}


def subtraction_attack(values, relations, status):
    """The reader's subtraction: a relation with one unknown gives it; what is found is known from
    then on; then the difference of two relations sharing cells is tried the same way."""
    known = {c: v for c, v in values.items() if status[c] == SHOWN}
    equations = [{r.total: 1, **dict.fromkeys(r.parts, -1)} for r in relations]
    for a, b in itertools.combinations(list(equations), 2):
        if set(a) & set(b):
            for sign in (1, -1):
                combined = dict(a)
                for cell, c in b.items():
                    combined[cell] = combined.get(cell, 0) - sign * c
                equations.append({cell: c for cell, c in combined.items() if c})
    found = {}
    progress = True
    while progress:
        progress = False
        for equation in equations:
            unknown = [c for c in equation if c not in known]
            if len(unknown) == 1:
                cell = unknown[0]
                rest = sum(coefficient * known[c] for c, coefficient in equation.items() if c != cell)
                known[cell] = found[cell] = -rest // equation[cell]
                progress = True
    return found


small_counts = st.integers(min_value=0, max_value=12) | st.integers(min_value=0, max_value=3)
municipality = st.tuples(small_counts, small_counts, small_counts)
departments = st.lists(st.lists(municipality, min_size=1, max_size=4), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(departments)
def test_no_small_count_is_shown_and_nothing_hidden_can_be_recovered(data):
    values, relations = table(data)
    status = protect(values, relations)
    assert all(values[c] >= 5 for c in values if status[c] == SHOWN)
    assert all(values[c] <= 4 for c in values if status[c] == SMALL)
    assert all(values[c] >= 5 for c in values if status[c] == RESERVED)
    assert subtraction_attack(values, relations, status) == {}
    assert determined(relations, status) == set()
    assert pinned(values, relations, status) == set()


@settings(max_examples=80, deadline=None)
@given(st.lists(municipality, min_size=1, max_size=3))
def test_brute_force_every_hidden_cell_has_another_possible_value(municipalities):
    """One department: enumerate every table of hidden municipality parts the reader cannot rule
    out (counts "<5" in 0–4, reserved counts from 5 up) and check that each hidden cell takes at
    least two values."""
    values, relations = table([municipalities])
    status = protect(values, relations)
    hidden_parts = [(f"d0m{i}", c) for i in range(len(municipalities)) for c in PARTS]
    hidden_parts = [cell for cell in hidden_parts if status[cell] != SHOWN]
    # A reserved count is at least 5 and at most what a shown total above it allows (checked
    # below); where nothing shown bounds it, any larger value is possible: 10 more than the
    # largest shown number is room enough to see two values.
    cap = max([v for c, v in values.items() if status[c] == SHOWN], default=0) + 10
    ranges = [range(0, 5) if status[c] == SMALL else range(5, cap + 1) for c in hidden_parts]
    if not hidden_parts or math.prod(len(r) for r in ranges) > 5_000:
        return  # too many tables to enumerate; the other property test covers it
    seen = {cell: set() for cell in values if status[cell] != SHOWN}
    for guess in itertools.product(*ranges):
        trial = dict(values)
        trial.update(zip(hidden_parts, guess, strict=True))
        for unit in {u for u, _c in values if u.startswith("d0m")}:
            trial[(unit, "t")] = sum(trial[(unit, c)] for c in PARTS)
        for column in (*PARTS, "t"):
            trial[("d0", column)] = sum(trial[(u, column)] for u, c in values if c == column and u.startswith("d0m"))
            trial[("nation", column)] = trial[("d0", column)]
        consistent = all(
            (trial[c] == values[c])
            if status[c] == SHOWN
            else (0 <= trial[c] <= 4 if status[c] == SMALL else trial[c] >= 5)
            for c in values
        )
        if consistent:
            for cell in seen:
                seen[cell].add(trial[cell])
    assert all(len(possible) >= 2 for possible in seen.values()), {c: p for c, p in seen.items() if len(p) < 2}


def test_a_small_part_hides_the_next_smallest_part():
    values = {"t": 20, "w": 3, "m": 9, "n": 8}
    status = protect(values, [Relation("t", ("w", "m", "n"))])
    assert status == {"t": SHOWN, "w": SMALL, "m": SHOWN, "n": RESERVED}


def test_zero_counts_as_small():
    """Two parts "<5" (0 and 2) already hide each other: nothing more is hidden."""
    values = {"t": 12, "w": 0, "m": 10, "n": 2}
    status = protect(values, [Relation("t", ("w", "m", "n"))])
    assert status == {"t": SHOWN, "w": SMALL, "m": SHOWN, "n": SMALL}


def test_a_small_municipality_is_protected_against_the_department_total():
    values, relations = table([[(2, 0, 0), (30, 20, 0), (40, 25, 0)]])
    status = protect(values, relations)
    assert status[("d0m0", "w")] == SMALL and status[("d0m0", "t")] == SMALL
    # the municipality's women and total are hidden, so one more municipality is hidden in both columns
    assert status[("d0m1", "w")] == RESERVED and status[("d0m1", "t")] == RESERVED
    assert subtraction_attack(values, relations, status) == {}


def test_bounds_alone_would_give_small_counts_away():
    """No single subtraction finds w, m or n, but t = 5 with m reserved (so at least 5) leaves
    m = 5 and w = n = 0: the interval audit sees it, and protection hides the total as well."""
    values = {"t": 5, "w": 0, "m": 5, "n": 0}
    status = {"t": SHOWN, "w": SMALL, "m": RESERVED, "n": SMALL}
    relations = [Relation("t", ("w", "m", "n"))]
    assert determined(relations, status) == set()
    assert pinned(values, relations, status) == {"w", "m", "n"}
    protected = protect(values, relations)
    assert protected["t"] != SHOWN and pinned(values, relations, protected) == set()


def test_a_chain_of_relations_is_caught_by_the_exact_audit():
    """Two rows and two columns hiding a cell each would look fine relation by relation only if
    every relation hides two; a single hidden cell in a 2×2 block is found by subtraction."""
    relations = [Relation("r1", ("a", "b")), Relation("r2", ("c", "d")), Relation("c1", ("a", "c"))]
    status = dict.fromkeys(["r1", "r2", "c1", "a", "b", "c", "d"], SHOWN)
    status.update(a=SMALL, b=RESERVED)
    assert determined(relations, status) == {"a", "b"}  # c1 − c gives a, then r1 − a gives b
