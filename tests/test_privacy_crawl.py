"""Managers see no personal data anywhere: a crawl of every page a manager reaches on seeded
data (pages, search, admin changelists, change and history pages, exports) finds no seeded
participant's full name, DUI, phone or e-mail. Staff still see them (the rule is not "hide all")."""

import io
import json
import re
from collections import deque
from urllib.parse import unquote_plus, urljoin, urlsplit

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from core.privacy import pseudonym_code
from demo.seeder import DemoSeeder, ensure_demo_users
from reports import raw
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/cuenta/salir", "/i18n/", "/static/", "/admin/logout", "/admin/password_change", "delete/", "/cuenta/")
MAX_PAGES = 400
MAX_VARIANTS_PER_PATH = 3


@pytest.fixture
def seeded(ref):
    ensure_demo_users()
    DemoSeeder("tiny", seed=7, log=lambda _m: None).run()
    people = list(Participant.objects.order_by("pk"))
    for i, p in enumerate(people):  # every seeded person has all four kinds of personal data
        p.phone = p.phone or f"7{i:03d}-{i:04d}"
        p.email = p.email or f"persona{i}@correo.example"
        if not p.dui:
            from tests.factories import valid_dui

            p.dui = valid_dui(900_000 + i)
        p.save()
    # A change on record, so history pages have a delta that touches personal fields.
    people[0].first_names = f"{people[0].first_names} Cambiada"
    people[0].save()
    return people


def _secrets(people) -> dict[str, str]:
    found = {}
    for p in people:
        p.refresh_from_db()
        for value in (p.full_name, p.dui, p.phone, p.email):
            if value:
                found[value] = p.full_name
        for historical in p.history.all():
            found[f"{historical.first_names} {historical.last_names}"] = p.full_name
    return found


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    data = _bytes(response)
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if "application/pdf" in content_type:  # the municipal profile (reports.profile)
        import pypdf

        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    body = data.decode("utf-8", "replace")
    if "json" in content_type:
        return json.dumps(json.loads(body), ensure_ascii=False)
    return body


def _crawl(client, seeds):
    queue, seen, per_path, visited = deque(seeds), set(seeds), {}, []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = _text(response)
        visited.append((url, text))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(text):
            href = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != "testserver":
                continue
            path = parts.path
            if any(s in path for s in SKIP) or href in seen:
                continue
            if per_path.get(path, 0) >= MAX_VARIANTS_PER_PATH:
                continue
            per_path[path] = per_path.get(path, 0) + 1
            seen.add(href)
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


def _seeds(people):
    workshop = Workshop.objects.filter(attendances__isnull=False).first()
    attendance = Attendance.objects.first()
    someone = people[1]
    urls = ["/", "/admin/", reverse("workshops:participant_list"), reverse("reports:report")]
    for q in (someone.full_name, someone.last_names, someone.dui, people[0].first_names.split()[0]):
        urls += [
            f"{reverse('workshops:participant_list')}?q={q}",
            f"{reverse('admin:workshops_participant_changelist')}?q={q}",
            f"{reverse('admin:workshops_attendance_changelist')}?q={q}",
            f"{reverse('workshops:search', args=[workshop.pk])}?q={q}",
            f"/admin/autocomplete/?app_label=workshops&model_name=attendance&field_name=participant&term={q}",
        ]
    urls += [
        reverse("workshops:participant_detail", args=[someone.pk]),
        reverse("admin:workshops_participant_change", args=[people[0].pk]),
        reverse("admin:workshops_participant_history", args=[people[0].pk]),
        reverse("admin:workshops_attendance_change", args=[attendance.pk]),
        reverse("admin:workshops_attendance_history", args=[attendance.pk]),
        reverse("admin:workshops_workshop_change", args=[workshop.pk]),
        reverse("workshops:detail", args=[workshop.pk]),
    ]
    for version in people[0].history.all():
        urls.append(reverse("admin:workshops_participant_simple_history", args=[people[0].pk, version.pk]))
    urls.append(reverse("reports:municipality_profile", args=[workshop.municipality_id]))
    for fmt in ("csv", "xlsx"):
        urls.append(reverse("reports:export", args=[fmt]))
        urls += [reverse("reports:export_raw", args=[kind, fmt]) for kind in raw.KINDS]
    return urls


def test_a_manager_sees_no_personal_data_anywhere(seeded):
    from core.models import User

    secrets = _secrets(seeded)
    client = Client()
    client.force_login(User.objects.get(username="gerencia"))
    visited = _crawl(client, _seeds(seeded))
    assert len(visited) > 60, "the crawl must reach the manager's pages"
    # A search box echoes what the manager typed: that is not a leak, anything else is.
    leaks = [
        (url, value) for url, text in visited for value in secrets if value in text and value not in unquote_plus(url)
    ]
    print(f"crawled {len(visited)} pages and files as a manager")
    assert leaks == [], f"{len(leaks)} leaks, e.g. {leaks[:5]}"
    # What managers see instead: the pseudonymous code, on pages and in the admin.
    pages = dict(visited)
    code = pseudonym_code(seeded[1].pk)
    assert code in pages[reverse("workshops:participant_detail", args=[seeded[1].pk])]
    assert pseudonym_code(seeded[0].pk) in pages[reverse("admin:workshops_participant_change", args=[seeded[0].pk])]


def test_a_manager_finds_people_by_code_not_by_name(seeded):
    from core.models import User

    client = Client()
    client.force_login(User.objects.get(username="gerencia"))
    someone = seeded[2]
    code = pseudonym_code(someone.pk)
    by_code = client.get(reverse("workshops:participant_list"), {"q": code}).content.decode()
    assert reverse("workshops:participant_detail", args=[someone.pk]) in by_code
    by_name = client.get(reverse("workshops:participant_list"), {"q": someone.last_names}).content.decode()
    assert reverse("workshops:participant_detail", args=[someone.pk]) not in by_name
    admin_by_code = client.get(reverse("admin:workshops_participant_changelist"), {"q": code}).content.decode()
    assert code in admin_by_code


def test_staff_still_see_their_participants(seeded):
    from core.models import User

    staff = User.objects.get(username="personal.sansalvador")
    someone = next(p for p in seeded if p.office_id == staff.office_id)
    client = Client()
    client.force_login(staff)
    body = client.get(reverse("workshops:participant_detail", args=[someone.pk])).content.decode()
    assert someone.full_name in body and someone.dui in body
