"""Two staff (or one double click) posting the same attendee at the same moment: one row, no error.

Runs real threads, each with its own database connection, against PostgreSQL; SQLite serialises
writers on a single file lock (and the in-memory test database is per connection), so the race
cannot happen there and the test is skipped.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from core.scoping import scope
from tests import factories
from workshops import services
from workshops.models import Attendance

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent writers"),
]

THREADS = 8


def _race(target, user):
    """Run `target` in THREADS threads at once, each inside `user`'s scope as a request would be
    (a new thread starts outside any scope: core.scoping fails closed)."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def run():
        try:
            barrier.wait()
            with scope(user):
                target()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_record_attendance_makes_one_row(office_a, staff_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    errors = _race(lambda: services.record_attendance(workshop=w, participant=p, by=staff_a), staff_a)
    assert errors == []
    assert Attendance.objects.filter(workshop=w, participant=p).count() == 1


def test_concurrent_posts_to_the_page_make_one_row_and_no_error_page(office_a, staff_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    statuses = []

    def post():
        client = Client()
        client.force_login(staff_a)
        response = client.post(reverse("workshops:attendance_add", args=[w.pk]), {"participant": p.pk})
        statuses.append(response.status_code)

    assert _race(post, staff_a) == []
    assert statuses == [302] * THREADS
    assert Attendance.objects.filter(workshop=w, participant=p).count() == 1
