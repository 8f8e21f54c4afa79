"""Report figures against totals counted by hand on the `known` data set (tests/reports/conftest.py)."""

from decimal import Decimal

import pytest

from indicators.figures import IndicatorKey as K
from tests.reports.helpers import build, rows_by_label, table

pytestmark = pytest.mark.django_db

W, H, A, P = (str(K(k).label) for k in (K.WORKSHOPS_HELD, K.TRAINING_HOURS, K.ATTENDANCES, K.PARTICIPANTS))
PW, PM = str(K.PARTICIPANTS_WOMEN.label), str(K.PARTICIPANTS_MEN.label)


def test_national_year_by_department(known, manager):
    report = build(manager, period="year", year=2026)
    rows = rows_by_label(table(report, "line_workshops"))
    ss, sa, total = rows["San Salvador"], rows["Santa Ana"], rows["Total"]
    assert (ss[W], ss[H], ss[A], ss[P], ss[PW], ss[PM]) == (2, Decimal(6), 4, 3, 2, 1)
    assert (sa[W], sa[H], sa[A], sa[P], sa[PW], sa[PM]) == (1, Decimal(3), 1, 1, 1, 0)
    assert (total[W], total[H], total[A], total[P], total[PW], total[PM]) == (3, Decimal(9), 5, 4, 3, 1)
    windows = rows_by_label(table(report, "line_windows"))["Total"]
    assert windows[str(K.WINDOW_SESSIONS.label)] == 1
    assert windows[str(K.PEOPLE_REACHED.label)] == 12
    assert (windows[str(K.PEOPLE_REACHED_WOMEN.label)], windows[str(K.PEOPLE_REACHED_MEN.label)]) == (7, 5)
    assert rows_by_label(table(report, "line_assistance"))["San Salvador"][str(K.ASSISTANCE_ACTIONS.label)] == 1
    assert rows_by_label(table(report, "line_tables"))["Santa Ana"][str(K.TABLE_MEETINGS.label)] == 1


def test_sex_by_age_grid_adds_up(known, manager):
    report = build(manager, period="year", year=2026)
    grid = table(report, "grid_participants")
    labels = [c.label for c in grid.columns]
    rows = {row.cells[0]: dict(zip(labels, row.cells, strict=True)) for row in grid.rows}
    assert rows["Mujer"]["30–59 años"] == 2  # Ana and Carla
    assert rows["Mujer"]["18–29 años"] == 1  # Bea
    assert rows["Hombre"]["30–59 años"] == 1  # Luis
    assert (rows["Mujer"]["Total"], rows["Hombre"]["Total"], rows["No registrado"]["Total"]) == (3, 1, 0)
    assert rows["Total"]["30–59 años"] == 3
    assert rows["Total"]["Total"] == 4 == rows_by_label(table(report, "line_workshops"))["Total"][P]
    for row in grid.rows:  # every row's total is the sum of its cells
        assert sum(row.cells[1:-1]) == row.cells[-1]
    reached = {row.cells[0]: row.cells for row in table(report, "grid_people_reached").rows}
    assert reached["Mujer"][1] == 7 and reached["Hombre"][2] == 5 and reached["Total"][-1] == 12


def test_municipality_level_has_department_subtotals(known, manager):
    report = build(manager, level="municipality", period="year", year=2026)
    tbl = table(report, "line_workshops")
    rows = rows_by_label(tbl, column=1)
    m1, m2 = known["m1"].name, known["m2"].name
    subtotal = rows["Subtotal San Salvador"]
    assert (rows[m1][A], rows[m2][A], subtotal[A]) == (3, 1, 4)  # attendances add up
    assert (rows[m1][P], rows[m2][P], subtotal[P]) == (3, 1, 3)  # Ana counts once in the subtotal
    departments = {row.cells[0] for row in tbl.rows if row.style == ""}
    assert [r.style for r in tbl.rows].count("subtotal") == len(departments)
    assert rows["Total"][W] == rows["Subtotal San Salvador"][W] + rows["Subtotal Santa Ana"][W] == 3


def test_comparison_with_previous_year(known, manager):
    report = build(manager, period="year", year=2026)
    rows = {row.cells[0]: row.cells for row in table(report, "comparison").rows}
    assert rows[W][1:] == [3, 1, 2, Decimal("200.0")]
    assert rows[H][1:] == [Decimal(9), Decimal(6), Decimal(3), Decimal("50.0")]
    assert rows[P][1:] == [4, 2, 2, Decimal("100.0")]
    assert rows[str(K.PEOPLE_REACHED.label)][1:] == [12, 3, 9, Decimal("300.0")]
    assert rows[str(K.TABLE_MEETINGS.label)][1:] == [1, 0, 1, None]  # no figure to compare with


def test_quarter_compares_with_the_previous_quarter(known, manager):
    report = build(manager, period="quarter", year=2026, quarter=2, line="workshops")
    rows = {row.cells[0]: row.cells for row in table(report, "comparison").rows}
    assert rows[W][1:] == [2, 1, 1, Decimal("100.0")]  # Q2: w2, w3; Q1: w1


def test_progress_against_targets(known, manager):
    report = build(manager, period="year", year=2026, line="workshops")
    tbl = table(report, "targets")
    rows = rows_by_label(tbl)
    label = f"{W}: "
    assert rows["San Salvador"][label + "meta"] == Decimal(6)
    assert rows["San Salvador"][label + "avance"] == Decimal("33.3")
    assert rows["Santa Ana"][label + "meta"] is None and rows["Santa Ana"][label + "avance"] is None
    assert (rows["Total"][label + "realizado"], rows["Total"][label + "meta"]) == (3, Decimal(6))
    assert rows["Total"][label + "avance"] == Decimal("50.0")
    assert rows["San Salvador"][f"{P}: avance"] == Decimal("30.0")


def test_targets_only_for_a_year(known, manager):
    report = build(manager, period="month", year=2026, month=3)
    assert "targets" not in [t.key for t in report.tables]


def test_coordinator_sees_only_their_department(known, coordinator_x, coordinator_y):
    rows = rows_by_label(table(build(coordinator_x, period="year", year=2026), "line_workshops"))
    assert set(rows) == {"San Salvador", "Total"}
    assert rows["Total"][A] == 4
    rows = rows_by_label(table(build(coordinator_y, period="year", year=2026), "line_workshops"))
    assert set(rows) == {"Santa Ana", "Total"}
    assert rows["Total"][P] == 1


def test_staff_of_another_office_sees_none_of_it(known, staff_b):
    rows = rows_by_label(table(build(staff_b, period="all", line="workshops"), "line_workshops"))
    assert rows["Total"][W] == 0


def test_phase_and_office_levels_total_the_same(known, manager):
    for level in ("phase", "office", "municipality"):
        tbl = table(build(manager, level=level, period="year", year=2026), "line_workshops")
        rows = rows_by_label(tbl, column=1 if level == "municipality" else 0)
        assert rows["Total"][A] == 5 and rows["Total"][P] == 4


def test_charts_show_months_and_ranking(known, manager):
    report = build(manager, period="year", year=2026, chart=K.ATTENDANCES)
    time, ranking = report.charts
    assert dict(time.points)["03/26"] == 3 and dict(time.points)["04/26"] == 1 and len(time.points) == 12
    assert ranking.points[0] == (known["m1"].name, 3)
    assert "<svg" in time.svg and "<script" not in time.svg
