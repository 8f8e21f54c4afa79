"""QR self check-in (issue 15, item 5): the signed link and its day, closing, the public form and
what it never reveals, the throttles, and staff confirming, merging and rejecting entries."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse

from core.errors import DomainError
from indicators import figures
from indicators.registry import IndicatorKey as K
from indicators.registry import Review
from review import services as review
from tests import factories
from tests.conftest import TEST_NOW
from workshops import checkin
from workshops.models import Attendance, AttendanceMethod, CheckInEntry, CheckInStatus, Participant

pytestmark = pytest.mark.django_db

SV = zoneinfo.ZoneInfo("America/El_Salvador")
TODAY = TEST_NOW.date()
HTMX = {"HTTP_HX_REQUEST": "true"}
FORM = {
    "first_names": "Rosa Elena",
    "last_names": "Martínez",
    "sex": "F",
    "age_group": "30-59",
    "institution": "Alcaldía de Prueba",
    "dui": "",
    "consent": "on",
}


@pytest.fixture
def workshop(office_a):
    return factories.workshop(office_a, title="Taller de hoy", start_date=TODAY, end_date=TODAY, status="planned")


@pytest.fixture
def token(workshop, staff_a):
    return checkin.make_token(checkin.open_link(workshop=workshop, by=staff_a))


def form_url(token):
    return reverse("workshops:checkin_form", args=[token])


def submit(client, token, **changes):
    """What a phone does: open the link (device cookie), then send the form."""
    client.get(form_url(token))
    return client.post(form_url(token), {**FORM, **changes})


def entry_url(name, entry):
    return reverse(f"workshops:{name}", args=[entry.workshop_id, entry.pk])


# --- The link --------------------------------------------------------------------------------


def test_the_link_works_only_on_the_workshops_day_in_el_salvador(token):
    for moment in (
        datetime.datetime(2026, 11, 30, 0, 0, tzinfo=SV),
        datetime.datetime(2026, 11, 30, 23, 59, tzinfo=SV),
    ):
        with time_machine.travel(moment, tick=False):
            assert checkin.usable_link(token).workshop.start_date == TODAY
    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 0, tzinfo=SV), tick=False):
        with pytest.raises(checkin.LinkRefused) as refused:
            checkin.usable_link(token)
        assert refused.value.status == 410 and "venció" in str(refused.value.message)
    # 05:59 UTC on 30/11 is still 29/11 in El Salvador (UTC-6): not yet.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 5, 59, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(checkin.LinkRefused) as refused:
            checkin.usable_link(token)
        assert refused.value.status == 403 and "30/11/2026" in str(refused.value.message)


def test_a_several_day_workshop_accepts_entries_on_each_of_its_days(office_a, staff_a):
    workshop = factories.workshop(office_a, start_date=TODAY - datetime.timedelta(days=1), end_date=TODAY)
    token = checkin.make_token(checkin.open_link(workshop=workshop, by=staff_a))
    assert checkin.usable_link(token).workshop == workshop


def test_closing_rotates_the_token_and_reopening_makes_a_new_one(client, workshop, staff_a, token):
    assert checkin.close_link(workshop=workshop, by=staff_a) is True
    assert checkin.close_link(workshop=workshop, by=staff_a) is False  # twice: nothing more
    assert submit(client, token).status_code == 410
    reopened = checkin.make_token(checkin.open_link(workshop=workshop, by=staff_a))
    assert reopened != token
    assert submit(client, token).status_code == 410  # the old link stays dead
    assert submit(client, reopened).status_code == 302
    assert CheckInEntry.objects.count() == 1


def test_opening_is_refused_after_the_day_and_on_a_locked_workshop(office_a, staff_a, coordinator_x):
    yesterday = TODAY - datetime.timedelta(days=1)
    past = factories.workshop(office_a, start_date=yesterday, end_date=yesterday)
    with pytest.raises(DomainError) as refused:
        checkin.open_link(workshop=past, by=staff_a)
    assert refused.value.code == "checkin_past"
    locked = factories.workshop(office_a, start_date=TODAY, end_date=TODAY)
    factories.closure(locked.municipality, coordinator_x, year=2026, month=11)
    with pytest.raises(DomainError) as refused:
        checkin.open_link(workshop=locked, by=staff_a)
    assert "aprobado o su mes está cerrado" in str(refused.value.message)


def test_forged_or_altered_links_are_404_and_store_nothing(client, workshop, office_a, staff_a, token):
    other = factories.workshop(office_a, start_date=TODAY, end_date=TODAY)
    other_link = checkin.open_link(workshop=other, by=staff_a)
    signature = token.rsplit(":", 1)[1]
    forged = [
        "x",
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # altered signature
        f"{signing.Signer(salt='otra').sign_object([workshop.pk, other_link.nonce])}",  # signed with another key
        f"{signing.Signer(salt=checkin.SALT).sign_object([other.pk, 'x']).rsplit(':', 1)[0]}:{signature}",
        signing.Signer(salt=checkin.SALT).sign_object({"w": workshop.pk}),  # our signature, not our shape
    ]
    for bad in forged:
        assert client.get(form_url(bad)).status_code == 404, bad
        response = client.post(form_url(bad), FORM)
        assert response.status_code == 404, bad
        assert "Este enlace no es válido" in response.content.decode()
        assert "Martínez" not in response.content.decode()
    assert client.get(form_url("x")).status_code == 404
    assert client.get(reverse("workshops:checkin_thanks", args=["x"])).status_code == 404
    assert not CheckInEntry.objects.exists()


def test_a_closed_link_says_so_in_spanish_and_stores_nothing(client, workshop, staff_a, token):
    client.get(form_url(token))
    checkin.close_link(workshop=workshop, by=staff_a)
    response = client.post(form_url(token), FORM)
    assert response.status_code == 410
    assert "El registro por QR de este taller está cerrado" in response.content.decode()
    assert not CheckInEntry.objects.exists()


# --- The public form -------------------------------------------------------------------------


def test_the_form_stores_a_pending_entry_and_shows_nothing_of_anyone_else(client, workshop, office_a, token):
    factories.attendance(workshop, factories.participant(office_a, first_names="Persona", last_names="Secreta"))
    page = client.get(form_url(token))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Taller de hoy" in body and "30/11/2026" in body and "Aviso de privacidad" in body
    assert "Secreta" not in body and workshop.municipality.name not in body
    response = client.post(form_url(token), FORM)
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    text = thanks.content.decode()
    assert "Gracias, su asistencia quedó registrada para confirmar" in text
    assert "Secreta" not in text and "Rosa" not in text and "1 asistente" not in text
    entry = CheckInEntry.objects.get()
    assert (entry.status, entry.full_name, entry.institution_name) == (
        "pending",
        "Rosa Elena Martínez",
        "Alcaldía de Prueba",
    )
    assert entry.consent_at is not None and len(entry.address_hash) == 32 and "127.0.0.1" not in entry.address_hash
    assert Attendance.objects.filter(workshop=workshop).count() == 1  # an entry is not an attendance


def test_consent_and_names_are_required_and_what_was_typed_is_kept(client, token):
    client.get(form_url(token))
    response = client.post(form_url(token), {**FORM, "consent": "", "dui": "12345678-0", "first_names": "  "})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Para registrarse debe aceptar el aviso de privacidad." in body
    assert "Martínez" in body  # kept
    assert "DUI" in body and "12345678-0" in body
    assert not CheckInEntry.objects.exists()


def test_the_form_never_reveals_whether_a_dui_is_registered(client, office_a, office_b, token):
    known = factories.valid_dui(11112222)
    factories.participant(office_b, first_names="Otra", last_names="Oficina", dui=known)
    answers = []
    for dui in (known, factories.valid_dui(33334444)):
        response = submit(client, token, dui=dui)
        answers.append((response.status_code, response["Location"]))
        thanks = client.get(response["Location"]).content.decode()
        assert "Otra" not in thanks and "Oficina" not in thanks
    assert answers[0] == answers[1]
    assert CheckInEntry.objects.filter(dui=known).count() == 1


def test_a_post_without_the_device_cookie_stores_nothing(client, token):
    response = client.post(form_url(token), FORM)
    assert response.status_code == 400
    assert "envíe el formulario otra vez" in response.content.decode()
    assert checkin.DEVICE_COOKIE in response.cookies
    assert not CheckInEntry.objects.exists()
    assert client.post(form_url(token), FORM).status_code == 302  # the cookie is now set


@override_settings(CHECKIN_MAX_PER_DEVICE=2)
def test_throttle_per_device_per_workshop(client, token):
    assert submit(client, token).status_code == 302
    assert submit(client, token, first_names="Segunda").status_code == 302
    response = submit(client, token, first_names="Tercera")
    assert response.status_code == 429
    assert "demasiados registros" in response.content.decode()
    assert CheckInEntry.objects.count() == 2


@override_settings(CHECKIN_MAX_PER_ADDRESS=2, CHECKIN_WINDOW_MINUTES=10)
def test_throttle_per_address_over_ten_minutes(token):
    def phone(address):
        return Client(REMOTE_ADDR=address)

    assert submit(phone("10.1.1.1"), token).status_code == 302
    assert submit(phone("10.1.1.1"), token).status_code == 302
    assert submit(phone("10.1.1.1"), token).status_code == 429  # a new device, the same address
    assert submit(phone("10.9.9.9"), token).status_code == 302  # another address
    with time_machine.travel(TEST_NOW + datetime.timedelta(minutes=11)):
        assert submit(phone("10.1.1.1"), token).status_code == 302
    assert CheckInEntry.objects.count() == 4


# --- Staff: confirm, merge, reject -----------------------------------------------------------


def pending_entry(token, **changes) -> CheckInEntry:
    """An entry sent from its own phone (a new client: a new device cookie)."""
    assert submit(Client(), token, **changes).status_code == 302
    return CheckInEntry.objects.order_by("-pk").first()


def test_staff_see_entries_por_confirmar_and_confirm_once_with_htmx(client, workshop, staff_a, token):
    entry = pending_entry(token)
    client.force_login(staff_a)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "por confirmar" in page and "Rosa Elena Martínez" in page
    for _tap in range(2):  # a double tap
        response = client.post(entry_url("checkin_confirm", entry), **HTMX)
        assert response.status_code == 200
    attendance = Attendance.objects.get(workshop=workshop)
    assert attendance.method == AttendanceMethod.SELF_CHECKIN and attendance.registered_by == staff_a
    person = attendance.participant
    assert (person.full_name, person.consent, person.office_id) == ("Rosa Elena Martínez", True, workshop.office_id)
    assert person.institution.name == "Alcaldía de Prueba"
    entry.refresh_from_db()
    assert (entry.status, entry.participant, entry.attendance, entry.resolved_by) == (
        "confirmed",
        person,
        attendance,
        staff_a,
    )
    assert "ya estaba resuelto" in response.content.decode()
    assert 'id="attendee-' not in response.content.decode()  # the second tap adds no row
    assert (
        "Rosa Elena Martínez"
        not in client.get(workshop.get_absolute_url()).content.decode().split('id="attendance-panel"')[0]
    )


def test_an_entry_like_an_existing_person_is_merged_into_them(client, workshop, office_a, staff_a, token):
    existing = factories.participant(  # one typo away, in the workshop's municipality
        office_a, first_names="Rosa Elena", last_names="Martines", municipality=workshop.municipality
    )
    stranger = factories.participant(office_a, first_names="Nadie", last_names="Parecido")
    entry = pending_entry(token)
    client.force_login(staff_a)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "¿Es la misma persona?" in page and "Rosa Elena Martines" in page
    assert "No, es otra persona: confirmar" in page
    refused = client.post(entry_url("checkin_merge", entry), {"participant": stranger.pk}, follow=True)
    assert "elija una de las sugeridas" in refused.content.decode()
    for _tap in range(2):
        client.post(entry_url("checkin_merge", entry), {"participant": existing.pk})
    assert list(Attendance.objects.filter(workshop=workshop).values_list("participant", flat=True)) == [existing.pk]
    assert Participant.objects.count() == 2  # nobody new
    entry.refresh_from_db()
    assert entry.status == CheckInStatus.MERGED and entry.participant == existing


def test_an_entry_with_a_registered_dui_can_only_be_merged(client, workshop, office_b, staff_a, token):
    dui = factories.valid_dui(55556666)
    elsewhere = factories.participant(office_b, first_names="Rosa", last_names="Otra", dui=dui)
    entry = pending_entry(token, dui=dui)
    client.force_login(staff_a)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "Registrada por otra oficina" in page and "No, es otra persona" not in page
    response = client.post(entry_url("checkin_confirm", entry), follow=True)
    assert "Ya hay una persona registrada con ese DUI" in response.content.decode()
    assert not Attendance.objects.filter(workshop=workshop).exists()
    client.post(entry_url("checkin_merge", entry), {"participant": elsewhere.pk})
    assert Attendance.objects.get(workshop=workshop).participant == elsewhere


def test_rejecting_erases_who_it_was_and_records_nothing(client, workshop, staff_a, token):
    entry = pending_entry(token, dui=factories.valid_dui(77778888))
    client.force_login(staff_a)
    for _tap in range(2):
        client.post(entry_url("checkin_reject", entry), **HTMX)
    entry.refresh_from_db()
    assert (entry.status, entry.first_names, entry.last_names, entry.dui) == ("rejected", "", "", None)
    client.post(entry_url("checkin_confirm", entry))  # too late: it stays rejected
    assert not Attendance.objects.exists() and not Participant.objects.exists()


def test_a_locked_workshop_refuses_confirmation_with_the_usual_message(client, workshop, staff_a, coordinator_x, token):
    entry = pending_entry(token)
    factories.closure(workshop.municipality, coordinator_x, year=2026, month=11)
    client.force_login(staff_a)
    response = client.post(entry_url("checkin_confirm", entry), follow=True)
    assert "Este taller ya fue aprobado o su mes está cerrado: no se puede modificar." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending" and not Attendance.objects.exists()
    client.logout()
    assert client.get(form_url(token)).status_code == 410  # and the public form closes


def test_other_offices_never_see_or_resolve_the_entries(client, workshop, staff_b, manager, token):
    entry = pending_entry(token)
    client.force_login(staff_b)
    for name in ("checkin_confirm", "checkin_reject"):
        assert client.post(entry_url(name, entry)).status_code == 404
    assert client.get(reverse("workshops:checkin_qr", args=[workshop.pk])).status_code == 404
    client.force_login(manager)  # reads every office, sees no personal data, changes nothing
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "Rosa Elena" not in page
    assert client.get(reverse("workshops:checkin_qr", args=[workshop.pk])).status_code == 403
    client.post(entry_url("checkin_confirm", entry))
    entry.refresh_from_db()
    assert entry.status == "pending" and not Attendance.objects.exists()


def test_unconfirmed_entries_never_count_in_any_figure(client, workshop, office_a, staff_a, coordinator_x, token):
    factories.attendance(workshop, factories.participant(office_a))
    workshop.status = "held"
    workshop.save()
    review.submit(record=workshop, by=staff_a)
    keys = [K.ATTENDANCES, K.PARTICIPANTS, K.PARTICIPANTS_WOMEN]
    munis = [workshop.municipality_id]

    def everything():
        return (
            figures.figures(keys, munis),
            figures.figures_and_pending(keys, munis, review=Review.WITH_PENDING),
            figures.grid(K.PARTICIPANTS, munis, review=Review.WITH_PENDING),
        )

    before = everything()
    assert before[1][1][K.ATTENDANCES] == 1
    entry = pending_entry(token)
    pending_entry(token, first_names="Otra", dui=factories.valid_dui(12121212))
    assert everything() == before
    client.force_login(staff_a)
    client.post(entry_url("checkin_confirm", entry))
    after = everything()
    assert after[1][1][K.ATTENDANCES] == after[1][1][K.PARTICIPANTS_WOMEN] == 2  # confirmed: now it counts


# --- The staff QR page -----------------------------------------------------------------------


def test_the_qr_page_opens_shows_the_code_and_link_and_closes(client, workshop, staff_a):
    client.force_login(staff_a)
    url = reverse("workshops:checkin_qr", args=[workshop.pk])
    closed = client.get(url).content.decode()
    assert "Abrir registro por QR" in closed and "<svg" not in closed
    client.post(reverse("workshops:checkin_open", args=[workshop.pk]))
    page = client.get(url).content.decode()
    assert "<svg" in page and "Cerrar registro por QR" in page and "0 registros por confirmar" in page
    token = checkin.make_token(checkin.link_for(workshop))
    assert f"http://testserver{form_url(token)}" in page
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # strict CSP: no inline styles
    client.post(reverse("workshops:checkin_close", args=[workshop.pk]))
    assert checkin.link_for(workshop).is_open is False
    assert "Abrir registro por QR" in client.get(url).content.decode()


def test_page_query_count_does_not_grow_with_resolved_entries(client, workshop, staff_a, token):
    from tests.query_counts import queries_for

    client.force_login(staff_a)
    entry = pending_entry(token)
    client.force_login(staff_a)
    small = queries_for(client, workshop.get_absolute_url())
    client.post(entry_url("checkin_confirm", entry))
    for i in range(5):
        e = pending_entry(token, first_names=f"Persona{i}", dui=factories.valid_dui(40000000 + i))
        client.post(entry_url("checkin_reject", e))
    assert queries_for(client, workshop.get_absolute_url()) <= small


def test_the_qr_page_says_when_the_link_works(client, office_a, staff_a):
    tomorrow = TODAY + datetime.timedelta(days=1)
    later = factories.workshop(office_a, start_date=tomorrow, end_date=tomorrow, status="planned")
    checkin.open_link(workshop=later, by=staff_a)
    client.force_login(staff_a)
    page = client.get(reverse("workshops:checkin_qr", args=[later.pk])).content.decode()
    assert "El enlace funcionará solo el día del taller (01/12/2026)" in page and "<svg" in page
    with time_machine.travel(TEST_NOW + datetime.timedelta(days=2)):
        client.force_login(staff_a)  # the session of two days ago has expired
        page = client.get(reverse("workshops:checkin_qr", args=[later.pk])).content.decode()
        assert "El taller ya pasó (01/12/2026)" in page
