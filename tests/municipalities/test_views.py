import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from geography.models import Institution, ThematicTable
from municipalities.models import (
    FollowUpAction,
    PlanStage,
    PlanStageChange,
    StageChangeStatus,
    TableMeeting,
    TechnicalAssistance,
)
from review.models import ReviewState
from tests import factories
from tests.query_counts import queries_for

pytestmark = pytest.mark.django_db


def test_every_record_page_of_another_office_is_a_404(client, staff_b, office_a, staff_a):
    meeting = factories.meeting(office_a)
    action = factories.follow_up(meeting)
    record = factories.assistance(office_a)
    plan = factories.plan(office_a)
    change = factories.stage_change(plan, staff_a)
    client.force_login(staff_b)
    gets = [
        meeting.get_absolute_url(),
        reverse("municipalities:meeting_update", args=[meeting.pk]),
        record.get_absolute_url(),
        reverse("municipalities:assistance_update", args=[record.pk]),
        plan.get_absolute_url(),
        reverse("municipalities:plan_update", args=[plan.pk]),
        reverse("municipalities:municipality_detail", args=[meeting.municipality_id]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("municipalities:meeting_submit", args=[meeting.pk]),
        reverse("municipalities:follow_up_create", args=[meeting.pk]),
        reverse("municipalities:follow_up_status", args=[action.pk]),
        reverse("municipalities:assistance_submit", args=[record.pk]),
        reverse("municipalities:plan_submit", args=[plan.pk]),
        reverse("municipalities:plan_propose", args=[plan.pk]),
        reverse("municipalities:stage_change_confirm", args=[change.pk]),
        reverse("municipalities:stage_change_reject", args=[change.pk]),
    ]
    for url in posts:
        assert client.post(url, {"status": "done", "description": "x"}).status_code == 404, url
    action.refresh_from_db()
    assert action.status == "pending" and FollowUpAction.objects.count() == 1
    for name in ["meeting_list", "assistance_list", "plan_list"]:
        body = client.get(reverse(f"municipalities:{name}")).content.decode()
        assert meeting.municipality.name not in body, name


def test_a_coordinator_of_another_department_gets_404_too(client, coordinator_y, office_a):
    meeting = factories.meeting(office_a)
    client.force_login(coordinator_y)
    assert client.get(meeting.get_absolute_url()).status_code == 404


def test_recording_a_meeting_and_a_follow_up_action(client, staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    table = ThematicTable.objects.first()
    client.force_login(staff_a)
    response = client.post(
        reverse("municipalities:meeting_create"),
        {
            "municipality": municipality.pk,
            "table": table.pk,
            "date": "05/03/2026",
            "isdemu_participants": [staff_a.pk],
            "agreements": "Coordinar jornada",
        },
    )
    meeting = TableMeeting.objects.get()
    assert response.status_code == 302 and meeting.office == office_a
    client.post(
        reverse("municipalities:follow_up_create", args=[meeting.pk]),
        {"description": "Enviar informe", "due_date": "20/03/2026"},
    )
    action = meeting.follow_up_actions.get()
    assert action.due_date == datetime.date(2026, 3, 20)
    client.post(reverse("municipalities:follow_up_status", args=[action.pk]), {"status": "done"})
    action.refresh_from_db()
    assert action.status == "done"


def test_a_meeting_in_a_municipality_of_another_department_is_refused(client, staff_a, office_b):
    client.force_login(staff_a)
    response = client.post(
        reverse("municipalities:meeting_create"),
        {
            "municipality": factories.pess_municipality(office_b).pk,
            "table": ThematicTable.objects.first().pk,
            "date": "05/03/2026",
        },
    )
    assert response.status_code == 200 and not TableMeeting.objects.exists()


def test_assistance_creates_the_institution_inline_when_missing(client, staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    client.force_login(staff_a)
    data = {
        "municipality": municipality.pk,
        "new_institution_name": "Casa de la Cultura",
        "new_institution_kind": "municipal",
        "date": "07/03/2026",
        "topic": "gender_approach",
        "hours": "2",
        "outcome": "Protocolo revisado",
    }
    response = client.post(reverse("municipalities:assistance_create"), data)
    record = TechnicalAssistance.objects.get()
    assert response.status_code == 302
    assert record.institution.name == "Casa de la Cultura" and record.institution.municipality == municipality
    client.post(reverse("municipalities:assistance_create"), data)
    assert Institution.objects.count() == 1 and TechnicalAssistance.objects.count() == 2


def test_assistance_without_institution_or_with_bad_hours_keeps_the_input(client, staff_a, office_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("municipalities:assistance_create"),
        {
            "municipality": factories.pess_municipality(office_a).pk,
            "date": "07/03/2026",
            "topic": "leiv",
            "hours": "-1",
            "outcome": "Texto escrito",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Elija una institución" in body and "Texto escrito" in body
    assert not TechnicalAssistance.objects.exists()


def test_an_institution_page_lists_only_the_assistance_the_user_may_see(client, staff_a, office_a, office_b):
    institution = factories.institution(name="Ministerio de Salud")
    mine = factories.assistance(office_a, institution=institution, outcome="Resultado propio")
    factories.assistance(office_b, institution=institution, outcome="Resultado ajeno")
    client.force_login(staff_a)
    body = client.get(institution.get_absolute_url()).content.decode()
    assert mine.get_absolute_url() in body
    assert "Resultado propio" in body and "Resultado ajeno" not in body
    listing = client.get(reverse("municipalities:institution_list"), {"q": "ministerio"}).content.decode()
    assert "Ministerio de Salud" in listing


def test_staff_propose_on_the_plan_page_and_the_coordinator_confirms_there(client, staff_a, coordinator_x, office_a):
    plan = factories.plan(office_a, review_state=ReviewState.APPROVED)
    client.force_login(staff_a)
    client.post(
        reverse("municipalities:plan_propose", args=[plan.pk]),
        {"to_stage": PlanStage.DIAGNOSTIC_IN_PROGRESS, "date": "01/02/2026", "note": "Arrancó el diagnóstico"},
    )
    change = PlanStageChange.objects.get()
    page = client.get(plan.get_absolute_url()).content.decode()
    confirm_url = reverse("municipalities:stage_change_confirm", args=[change.pk])
    assert confirm_url not in page
    client.post(confirm_url)
    change.refresh_from_db()
    assert change.status == StageChangeStatus.PROPOSED
    client.force_login(coordinator_x)
    assert confirm_url in client.get(plan.get_absolute_url()).content.decode()
    client.post(confirm_url)
    plan.refresh_from_db()
    assert plan.stage == PlanStage.DIAGNOSTIC_IN_PROGRESS
    assert plan.diagnostic_started_on == datetime.date(2026, 2, 1)


def test_the_municipality_page_puts_it_together(client, staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    factories.plan(office_a, municipality, stage=PlanStage.PLAN_DRAFTED)
    factories.meeting(office_a, municipality, agreements="x")
    factories.assistance(office_a, municipality, institution=factories.institution(name="Alcaldía de Prueba"))
    factories.session(factories.window(office_a, municipality))
    factories.workshop(office_a, municipality, title="Taller de prueba LEIV")
    client.force_login(staff_a)
    body = client.get(reverse("municipalities:municipality_detail", args=[municipality.pk])).content.decode()
    for text in ["Plan en borrador", "Alcaldía de Prueba", "Taller de prueba LEIV", "Fase ", "Oficina"]:
        assert text in body, text
    index = client.get(reverse("municipalities:municipality_list")).content.decode()
    assert reverse("municipalities:municipality_detail", args=[municipality.pk]) in index


def _more_records(office, index):
    municipality = factories.pess_municipality(office, index)
    meeting = factories.meeting(office, municipality)
    factories.follow_up(meeting)
    factories.assistance(office, municipality)
    factories.session(factories.window(office, municipality))
    factories.workshop(office, municipality)
    factories.plan(office, municipality)


@pytest.mark.parametrize(
    "name", ["municipality_list", "meeting_list", "assistance_list", "institution_list", "plan_list"]
)
def test_list_query_counts_are_constant(client, staff_a, office_a, name):
    """Guards the N+1 of per-row municipality, table, institution, plan stage, action and indicator figures."""
    client.force_login(staff_a)
    url = reverse(f"municipalities:{name}")
    _more_records(office_a, 0)
    small = queries_for(client, url)
    for i in range(1, 5):
        _more_records(office_a, i)
    assert queries_for(client, url) == small


def test_municipality_page_query_count_is_constant(client, staff_a, office_a):
    """Guards the N+1 of sessions' people, meetings' open actions, assistance institutions and totals."""
    client.force_login(staff_a)
    municipality = factories.pess_municipality(office_a)
    factories.plan(office_a, municipality)
    url = reverse("municipalities:municipality_detail", args=[municipality.pk])
    small = queries_for(client, url)
    for day in range(1, 7):
        date = datetime.date(2026, 3, day)
        factories.follow_up(factories.meeting(office_a, municipality, date=date))
        factories.assistance(office_a, municipality, date=date)
        factories.session(factories.window(office_a, municipality), date=datetime.date(2026, 3, 10 + day))
        factories.workshop(office_a, municipality)
    assert queries_for(client, url) == small


def test_institution_page_query_count_is_constant(client, staff_a, office_a):
    """Guards the N+1 of each assistance record's municipality on the institution history page."""
    client.force_login(staff_a)
    institution = factories.institution()
    factories.assistance(office_a, institution=institution)
    small = queries_for(client, institution.get_absolute_url())
    for i in range(1, 5):
        factories.assistance(office_a, factories.pess_municipality(office_a, i), institution=institution)
    assert queries_for(client, institution.get_absolute_url()) == small


def _pagination_links(body: str) -> dict[str, dict[str, list[str]]]:
    """The query of each link in a page's pagination bar, by link text."""
    nav = re.search(r'<nav class="pagination".*?</nav>', body, re.S).group(0)
    links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>', nav)
    return {text: parse_qs(urlsplit(html.unescape(href)).query) for href, text in links}


def test_page_two_of_the_meeting_list_keeps_every_filter(client, staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    table = ThematicTable.objects.order_by("pk").first()
    TableMeeting.objects.bulk_create(
        TableMeeting(municipality=municipality, office=office_a, table=table, date=datetime.date(2026, 3, 5))
        for _ in range(101)
    )
    client.force_login(staff_a)
    filters = {"municipio": str(municipality.pk), "mesa": str(table.pk)}
    body = client.get(reverse("municipalities:meeting_list"), {**filters, "page": "2"}).content.decode()
    assert "Página 2 de 3" in body
    links = _pagination_links(body)
    assert links == {
        "Anterior": {k: [v] for k, v in {**filters, "page": "1"}.items()},
        "Siguiente": {k: [v] for k, v in {**filters, "page": "3"}.items()},
    }


def test_page_two_of_the_assistance_list_keeps_every_filter(client, staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    institution = factories.institution(municipality)
    TechnicalAssistance.objects.bulk_create(
        TechnicalAssistance(
            municipality=municipality,
            office=office_a,
            institution=institution,
            date=datetime.date(2026, 3, 7),
            topic="gender_approach",
            hours=2,
        )
        for _ in range(101)
    )
    client.force_login(staff_a)
    body = client.get(
        reverse("municipalities:assistance_list"), {"municipio": municipality.pk, "page": 2}
    ).content.decode()
    assert "Página 2 de 3" in body
    links = _pagination_links(body)
    assert links == {
        "Anterior": {"municipio": [str(municipality.pk)], "page": ["1"]},
        "Siguiente": {"municipio": [str(municipality.pk)], "page": ["3"]},
    }
