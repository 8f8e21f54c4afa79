"""Cross-page rules for the territorial pages: CSP-safe templates, read-only managers, Spanish UI."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from municipalities.models import TableMeeting
from tests import factories

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates" / app for app in ("municipalities", "mobile_windows")]


def test_templates_have_no_inline_scripts_styles_or_handlers():
    import re

    for directory in TEMPLATE_DIRS:
        for template in directory.glob("*.html"):
            text = template.read_text()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
            assert " style=" not in text, template
            assert not re.search(r"\son[a-z]+=", text), template


@pytest.mark.django_db
def test_managers_read_every_office_but_cannot_write(client, manager, office_a):
    meeting = factories.meeting(office_a)
    window = factories.window(office_a)
    client.force_login(manager)
    for url in [
        meeting.get_absolute_url(),
        window.get_absolute_url(),
        reverse("municipalities:municipality_list"),
        reverse("municipalities:municipality_detail", args=[meeting.municipality_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(reverse("municipalities:meeting_list")).content.decode()
    assert reverse("municipalities:meeting_create") not in body
    response = client.post(
        reverse("municipalities:meeting_create"),
        {"municipality": meeting.municipality_id, "table": meeting.table_id, "date": "05/03/2026"},
    )
    assert response.status_code == 302 and TableMeeting.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, ref):
    for name in ["municipality_list", "meeting_list", "assistance_list", "institution_list", "plan_list"]:
        response = client.get(reverse(f"municipalities:{name}"))
        assert response.status_code == 302 and reverse("login") in response["Location"], name
