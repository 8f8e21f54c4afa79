"""Indicators computed in the database against hand-counted figures."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geography.models import Municipality
from indicators import figures as indicators
from indicators.disaggregation import AgeGroup, Sex
from indicators.figures import IndicatorKey as K
from tests import factories

pytestmark = pytest.mark.django_db
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)


@pytest.fixture
def data(office_a):
    m1 = factories.pess_municipality(office_a, 0)
    m2 = factories.pess_municipality(office_a, 1)
    ana = factories.participant(office_a, sex=Sex.FEMALE)
    luis = factories.participant(office_a, sex=Sex.MALE)
    w1 = factories.workshop(office_a, m1, hours=4)
    w2 = factories.workshop(office_a, m2, hours=2)
    factories.workshop(office_a, m1, status="cancelled")
    factories.workshop(office_a, m1, start_date=datetime.date(2025, 5, 1), end_date=datetime.date(2025, 5, 1))
    for w in (w1, w2):
        factories.attendance(w, ana)
    factories.attendance(w1, luis)
    win = factories.window(office_a, m1)
    factories.session(win, counts={(Sex.FEMALE, AgeGroup.CHILD): 7, (Sex.MALE, AgeGroup.ADOLESCENT): 5})
    factories.assistance(office_a, m2)
    factories.meeting(office_a, m2)
    factories.target(m1, indicator=K.WORKSHOPS_HELD, value=4)
    factories.approve_all()
    return m1, m2


def test_per_municipality_figures(data):
    m1, m2 = data
    rows = {
        m.pk: m
        for m in indicators.annotate_targets(
            indicators.annotate_municipalities(Municipality.objects.filter(pk__in=[m1.pk, m2.pk]), START, END), 2026
        )
    }
    a, b = rows[m1.pk], rows[m2.pk]
    assert (a.workshops_held, a.training_hours, a.attendances, a.participants) == (1, 4, 2, 2)
    assert (a.participants_women, a.participants_men) == (1, 1)
    assert (a.window_sessions, a.people_reached, a.people_reached_women, a.people_reached_men) == (1, 12, 7, 5)
    assert a.schools_covered == 1
    assert (b.workshops_held, b.attendances, b.assistance_actions, b.institutions_assisted, b.table_meetings) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert indicators.progress(a.workshops_held, a.target_workshops_held) == 25


def test_totals_count_a_person_once_across_municipalities(data):
    m1, m2 = data
    totals = indicators.totals(Municipality.objects.filter(pk__in=[m1.pk, m2.pk]), START, END)
    assert totals[K.ATTENDANCES] == 3
    assert totals[K.PARTICIPANTS] == 2  # Ana attended in both municipalities
    assert totals[K.WORKSHOPS_HELD] == 2


def test_annotation_query_count_does_not_depend_on_the_number_of_municipalities(data):
    """Guards against a query (or a correlated scan) per municipality."""
    with CaptureQueriesContext(connection) as few:
        list(
            indicators.annotate_municipalities(
                Municipality.objects.pess().filter(pk__in=[m.pk for m in data]), START, END
            )
        )
    with CaptureQueriesContext(connection) as all_:
        list(indicators.annotate_municipalities(Municipality.objects.pess(), START, END))
    # The pre-computed cells are asked first (the municipalities, then cells with their
    # freshness: 2 queries; none are built here), then one grouped query per source table
    # (workshops, attendance, sessions, people reached, assistance, meetings), then the
    # municipalities themselves.
    assert len(few) == len(all_) == 9
