from reports import builder
from reports.forms import ReportFilterForm


def build(user, **params):
    form = ReportFilterForm({k: str(v) for k, v in params.items()}, user=user)
    assert form.is_valid(), form.errors
    return builder.build_report(form.filters(), user)


def table(report, key):
    return next(t for t in report.tables if t.key == key)


def rows_by_label(tbl, column=0):
    """{first text cell: {column label: value}} for a report table."""
    labels = [c.label for c in tbl.columns]
    return {row.cells[column]: dict(zip(labels, row.cells, strict=True)) for row in tbl.rows}
