"""Background tasks of the indicators app (Django's Tasks API: any backend TASKS names)."""

from django_tasks import task

from core.scoping import scopes_disabled
from indicators import cells


@task(priority=10)  # before queued exports: pages compute live until it has run
def refresh_figures() -> int:
    """Recompute the pre-computed figures that waiting changes touch (indicators.cells.refresh)."""
    with scopes_disabled():  # figures of the whole installation, not of one user's rows
        return cells.refresh()
