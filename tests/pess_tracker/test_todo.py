"""The home page's to-do list: returned records with the comment (oldest first) and drafts older
than 7 days, across every record type, scoped to the user, with a constant query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from review.models import ReviewState
from review.todo import todo_for
from tests import factories
from tests.query_counts import queries_for

pytestmark = pytest.mark.django_db


def _returned(record, comment, days_ago):
    record.review_state = ReviewState.RETURNED
    record.review_comment = comment
    record.reviewed_at = timezone.now() - datetime.timedelta(days=days_ago)
    record.save(update_fields=["review_state", "review_comment", "reviewed_at"])
    return record


def _aged(record, days):
    type(record).objects.filter(pk=record.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return record


def test_returned_records_come_with_the_comment_oldest_first(client, staff_a, office_a):
    _returned(factories.workshop(office_a, title="Taller reciente"), "Falta la lista", days_ago=1)
    _returned(factories.session(factories.window(office_a)), "Revise las horas", days_ago=5)
    _returned(factories.assistance(office_a), "¿Qué institución?", days_ago=3)
    todo = todo_for(staff_a)
    assert [i.comment for i in todo["to_fix"]] == ["Revise las horas", "¿Qué institución?", "Falta la lista"]
    client.force_login(staff_a)
    body = client.get(reverse("home")).content.decode()
    assert "Para corregir" in body and "Revise las horas" in body and "Taller reciente" in body
    assert body.index("Revise las horas") < body.index("Falta la lista")


def test_drafts_older_than_a_week_are_unsent(staff_a, office_a):
    old = _aged(factories.meeting(office_a), days=8)
    _aged(factories.workshop(office_a), days=6)  # not yet
    submitted = _aged(factories.workshop(office_a, review_state=ReviewState.SUBMITTED), days=30)
    unsent = todo_for(staff_a)["unsent"]
    assert [i.url for i in unsent] == [old.get_absolute_url()]
    assert submitted.get_absolute_url() not in [i.url for i in unsent]


def test_the_list_is_scoped_and_managers_have_none(staff_a, staff_b, office_b, manager):
    _returned(factories.workshop(office_b), "De otra oficina", days_ago=2)
    assert todo_for(staff_a)["to_fix"] == []
    assert [i.comment for i in todo_for(staff_b)["to_fix"]] == ["De otra oficina"]
    assert todo_for(manager) == {"to_fix": [], "unsent": []}


def test_the_home_page_query_count_does_not_grow_with_the_list(client, staff_a, office_a):
    client.force_login(staff_a)

    def add(n):
        for i in range(n):
            _returned(factories.workshop(office_a, factories.pess_municipality(office_a, i)), "x", days_ago=i + 1)
            _aged(factories.meeting(office_a, factories.pess_municipality(office_a, i)), days=10)
            _returned(factories.session(factories.window(office_a)), "y", days_ago=i + 1)
            _aged(factories.assistance(office_a, factories.pess_municipality(office_a, i)), days=9)

    add(1)
    small = queries_for(client, reverse("home"))
    add(6)
    assert queries_for(client, reverse("home")) == small
