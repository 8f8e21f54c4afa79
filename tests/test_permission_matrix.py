"""The permission matrix: every URL pattern of the project, for every role, against objects of
office A (San Salvador) and office B (La Libertad).

- allowed → 200, or a redirect to a page that is not a login page;
- forbidden → redirect to a login page, 403, 404 (or the admin's "no such object" redirect to its index);
- whatever the outcome, a response never contains the unique marker of an office whose data the
  role may not see.

A URL pattern with no entry in `MATRIX` (and not covered by the generic rule for model admins)
fails `test_every_url_pattern_has_a_matrix_entry`, which says what to add. To add a page:

    MATRIX["workshops:workshop_detail"] = Rule(
        SIGNED_IN,                                        # roles allowed (before object scoping)
        kwargs=lambda w, office: {"pk": w.obj[Workshop][office].pk},
        per_office=True,                                  # allowed ∩ roles that see that office
    )

`w` is the `World` built below (one object of every model per office, `w.obj[Model]["A"|"B"]`).
Admin URLs follow one generic rule per model admin (changelist, add, change, delete, history,
django-simple-history's version view, the bare object URL), checked against the model admin's
own permissions and the independent scoping oracle `SEES`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from core import events
from core.models import SecurityEvent, User
from geography.models import Department, Institution, Municipality, TerritorialOffice, ThematicTable
from indicators.models import MunicipalProgress, Target
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from municipalities.models import FollowUpAction, MunicipalPlan, PlanStageChange, TableMeeting, TechnicalAssistance
from reports.models import ExportJob
from reports.raw import KINDS as RAW_KINDS
from reports.tasks import run_export
from review.models import PeriodClosure, ReviewTransition
from review.services import submit
from tests import factories
from workshops import checkin
from workshops.models import Attendance, CheckInEntry, CheckInLink, Participant, Workshop

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff_a", "staff_b", "coordinator_x", "coordinator_y", "manager", "administrator"]
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ADMIN_USERS = frozenset({"coordinator_x", "coordinator_y", "manager", "administrator"})
ADMINISTRATOR = frozenset({"administrator"})
# The scoping oracle, from the fixtures alone: who may see records owned by office A / office B
# (coordinator_x is San Salvador's department coordinator, coordinator_y Santa Ana's).
SEES = {
    "A": frozenset({"staff_a", "coordinator_x", "manager", "administrator"}),
    "B": frozenset({"staff_b", "manager", "administrator"}),
    None: SIGNED_IN,
}
MARKER = {"A": "ZZMARCA-A-4417", "B": "ZZMARCA-B-8821"}
LOGIN_PATHS = ("/cuenta/ingresar/", "/admin/login/")


@dataclass
class Rule:
    """How to request one URL pattern and who may use it.

    allowed: roles that get the page (None: either outcome is fine; only the no-leak check runs).
    kwargs(world, office): URL kwargs (a list means positional args, a tuple several URLs); with
    per_office the URL is requested for the objects of both offices and only roles in SEES[office]
    may get them.

    POST actions on records (submit, mark held, stage decisions…) always answer with a redirect to
    the record, refusing a role that may not write with a message: for them the matrix checks the
    scoping (404 outside the role's offices) and the absence of leaks, not the write right itself,
    which the apps' own tests cover.
    """

    allowed: frozenset | None
    kwargs: Callable | None = None
    per_office: bool = False
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: str = ""
    login_redirect_ok: bool = False  # logging out lands on the login page
    # Form pages that refuse a role by redirecting elsewhere with a message ("Su perfil no permite
    # registrar datos"): for them only a 200 (the form itself) counts as allowed.
    redirect_is_refusal: bool = False
    # For pages that only redirect: lands_on(world, office, role) is where an allowed role must land.
    lands_on: Callable | None = None
    # API actions that read a JSON body (the API accepts nothing else).
    json: bool = False
    # Status codes with which this route refuses besides 401/403/404: an API write naming a record out
    # of scope in its body answers 400 on that field; a record that is read-only now, 409 (issue 15).
    refusals: tuple = ()


MATRIX: dict[str, Rule] = {
    "home": Rule(SIGNED_IN),
    "healthz": Rule(EVERYONE),
    # The installable field app (issue 15): public, no data.
    "service_worker": Rule(EVERYONE),
    "manifest": Rule(EVERYONE),
    "offline": Rule(EVERYONE),
    "readyz": Rule(EVERYONE),
    "transparency": Rule(EVERYONE),  # the public page: official figures, no personal data
    "login": Rule(EVERYONE),
    "logout": Rule(EVERYONE, method="post", login_redirect_ok=True),
    "password_change": Rule(SIGNED_IN),
    "two_factor": Rule(SIGNED_IN),
    "two_factor_setup": Rule(SIGNED_IN),
    "two_factor_verify": Rule(SIGNED_IN),
    "two_factor_backup_codes": Rule(SIGNED_IN, method="post"),
    "set_language": Rule(EVERYONE, method="post", data={"language": "es", "next": "/"}, login_redirect_ok=True),
    # --- Django admin: site-wide views ---
    "admin:index": Rule(ADMIN_USERS),
    "admin:login": Rule(None),  # the form, or straight to the admin index when already signed in
    "admin:logout": Rule(None, method="post"),  # signs out whoever asks; shows nothing
    "admin:password_change": Rule(ADMIN_USERS),
    "admin:password_change_done": Rule(ADMIN_USERS),
    "admin:jsi18n": Rule(ADMIN_USERS),
    "admin:autocomplete": Rule(
        ADMIN_USERS,
        query="app_label=workshops&model_name=attendance&field_name=participant&term=ZZMARCA",
    ),
    # A redirect to the record's own page (itself in the matrix), or 404 for models without one.
    "admin:view_on_site": Rule(
        None,
        kwargs=lambda w, office: {"content_type_id": w.office_ct, "object_id": w.obj[TerritorialOffice][office].pk},
        per_office=True,
    ),
    "admin:app_list": Rule(ADMIN_USERS, kwargs=lambda w, office: {"app_label": "workshops"}),
    "admin/(?P<url>.*)$": Rule(None),  # the admin's catch-all: 404 or login, never data
    # --- Admin views beyond the generic per-model ones ---
    "admin:auth_user_password_change": Rule(
        ADMINISTRATOR, kwargs=lambda w, office: {"id": w.obj[User][office].pk}, per_office=True
    ),
    "admin:otp_totp_totpdevice_config": Rule(
        ADMINISTRATOR, kwargs=lambda w, office: {"pk": w.obj[TOTPDevice][office].pk}, per_office=True
    ),
    "admin:otp_totp_totpdevice_qrcode": Rule(
        ADMINISTRATOR, kwargs=lambda w, office: {"pk": w.obj[TOTPDevice][office].pk}, per_office=True
    ),
}

# Roles that may record field work (municipalities.records.can_write): managers only read.
WRITERS = SIGNED_IN - {"manager"}
# Who may still edit a record of a closed month (review.services.can_edit): staff lose the right.
CLOSED_MONTH_EDITORS = frozenset({"coordinator_x", "coordinator_y", "administrator"})
# Who may create a workshop (core.permissions: Action.CREATE): users of a territorial office.
OFFICE_USERS = frozenset({"staff_a", "staff_b", "coordinator_x", "coordinator_y"})
# Targets are set by the national managers (pess_tracker/roles.py: CRUD on indicators.target).
TARGET_EDITORS = frozenset({"manager", "administrator"})
TODAY = datetime.date(2026, 11, 30)  # tests/conftest.py TEST_NOW
SEARCH = "q=ZZMARCA"  # matches both offices' markers: a scoped search must show only its own
REPORT_QUERY = "period=year&year=2026"  # the world's records are of March 2026


def _pk(model, attr="pk"):
    return lambda w, office: {attr: w.obj[model][office].pk}


MATRIX.update(
    {
        # --- workshops (workshops/views.py): every object through Workshop.objects.visible_to ---
        "workshops:list": Rule(SIGNED_IN, query=SEARCH),
        "workshops:start": Rule(
            SIGNED_IN,
            lands_on=lambda w, office, role: reverse("workshops:list" if role.startswith("staff") else "home"),
        ),
        "workshops:create": Rule(WRITERS),  # administrators may do everything staff may; managers 403
        "workshops:detail": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, query=SEARCH),
        "workshops:edit": Rule(CLOSED_MONTH_EDITORS, kwargs=_pk(Workshop), per_office=True),  # 403: month closed
        "workshops:search": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, query=SEARCH),
        "workshops:attendance_add": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        # An empty form: 422 with the form's errors for whoever reaches the workshop.
        "workshops:attendance_new": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:attendance_remove": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:attendance_undo": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:mark_held": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:submit": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:sign_in_sheet": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True),
        "workshops:import": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True),
        # Without a pending import in the session: a redirect to the upload page (404 outside scope).
        "workshops:import_preview": Rule(
            SIGNED_IN,
            kwargs=_pk(Workshop),
            per_office=True,
            lands_on=lambda w, office, role: reverse("workshops:import", args=[w.obj[Workshop][office].pk]),
        ),
        # QR self check-in (workshops/views_checkin.py). The QR page needs the right to edit the
        # workshop (the world's month is closed: staff 403); its actions answer with a redirect.
        "workshops:checkin_qr": Rule(CLOSED_MONTH_EDITORS, kwargs=_pk(Workshop), per_office=True),
        "workshops:checkin_open": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        "workshops:checkin_close": Rule(SIGNED_IN, kwargs=_pk(Workshop), per_office=True, method="post"),
        **{
            f"workshops:checkin_{verb}": Rule(
                SIGNED_IN,
                kwargs=lambda w, office: {"pk": w.obj[Workshop][office].pk, "entry": w.obj[CheckInEntry][office].pk},
                per_office=True,
                method="post",
            )
            for verb in ("confirm", "merge", "reject")
        },
        # The public form, only through a valid link: forged, altered and closed or past links are
        # refused for every role (404 / 410); a valid one is tested per role in
        # test_checkin_form_opens_for_every_role_only_through_a_valid_link below.
        "workshops:checkin_form": Rule(frozenset(), kwargs=lambda w, office: w.checkin_tokens),
        "workshops:checkin_thanks": Rule(frozenset(), kwargs=lambda w, office: w.checkin_tokens[:2]),
        "workshops:participant_list": Rule(SIGNED_IN, query=SEARCH),
        "workshops:participant_detail": Rule(SIGNED_IN, kwargs=_pk(Participant), per_office=True),
        "workshops:participant_merge": Rule(
            SIGNED_IN - {"manager"}, kwargs=_pk(Participant), per_office=True, query=SEARCH
        ),
        # --- municipalities (municipalities/views.py) ---
        "municipalities:municipality_list": Rule(SIGNED_IN),
        "municipalities:municipality_detail": Rule(SIGNED_IN, kwargs=_pk(Municipality), per_office=True),
        "municipalities:meeting_list": Rule(SIGNED_IN),
        "municipalities:meeting_create": Rule(WRITERS, redirect_is_refusal=True),
        "municipalities:meeting_detail": Rule(SIGNED_IN, kwargs=_pk(TableMeeting), per_office=True),
        "municipalities:meeting_update": Rule(
            CLOSED_MONTH_EDITORS, kwargs=_pk(TableMeeting), per_office=True, redirect_is_refusal=True
        ),
        "municipalities:meeting_submit": Rule(SIGNED_IN, kwargs=_pk(TableMeeting), per_office=True, method="post"),
        # An empty form: the meeting page again, with the form's errors.
        "municipalities:follow_up_create": Rule(SIGNED_IN, kwargs=_pk(TableMeeting), per_office=True, method="post"),
        "municipalities:follow_up_status": Rule(
            SIGNED_IN, kwargs=_pk(FollowUpAction), per_office=True, method="post", data={"status": "done"}
        ),
        "municipalities:assistance_list": Rule(SIGNED_IN),
        "municipalities:assistance_create": Rule(WRITERS, redirect_is_refusal=True),
        "municipalities:assistance_detail": Rule(SIGNED_IN, kwargs=_pk(TechnicalAssistance), per_office=True),
        "municipalities:assistance_update": Rule(
            CLOSED_MONTH_EDITORS, kwargs=_pk(TechnicalAssistance), per_office=True, redirect_is_refusal=True
        ),
        "municipalities:assistance_submit": Rule(
            SIGNED_IN, kwargs=_pk(TechnicalAssistance), per_office=True, method="post"
        ),
        "municipalities:institution_list": Rule(SIGNED_IN),
        # A registry shared by every office; its page lists only the assistance the user may see.
        "municipalities:institution_detail": Rule(
            SIGNED_IN,
            kwargs=lambda w, office: tuple({"pk": w.obj[TechnicalAssistance][o].institution_id} for o in "AB"),
        ),
        "municipalities:plan_list": Rule(SIGNED_IN),
        "municipalities:plan_create": Rule(WRITERS, redirect_is_refusal=True),
        "municipalities:plan_detail": Rule(SIGNED_IN, kwargs=_pk(MunicipalPlan), per_office=True),
        "municipalities:plan_update": Rule(
            WRITERS, kwargs=_pk(MunicipalPlan), per_office=True, redirect_is_refusal=True
        ),
        "municipalities:plan_submit": Rule(SIGNED_IN, kwargs=_pk(MunicipalPlan), per_office=True, method="post"),
        "municipalities:plan_propose": Rule(SIGNED_IN, kwargs=_pk(MunicipalPlan), per_office=True, method="post"),
        "municipalities:stage_change_confirm": Rule(
            SIGNED_IN, kwargs=_pk(PlanStageChange), per_office=True, method="post"
        ),
        "municipalities:stage_change_reject": Rule(
            SIGNED_IN, kwargs=_pk(PlanStageChange), per_office=True, method="post"
        ),
        # --- mobile windows (mobile_windows/views.py) ---
        "mobile_windows:window_list": Rule(SIGNED_IN),
        "mobile_windows:window_create": Rule(WRITERS, redirect_is_refusal=True),
        "mobile_windows:window_detail": Rule(SIGNED_IN, kwargs=_pk(MobileWindow), per_office=True),
        "mobile_windows:window_update": Rule(
            WRITERS, kwargs=_pk(MobileWindow), per_office=True, redirect_is_refusal=True
        ),
        "mobile_windows:window_submit": Rule(SIGNED_IN, kwargs=_pk(MobileWindow), per_office=True, method="post"),
        "mobile_windows:session_create": Rule(
            WRITERS, kwargs=_pk(MobileWindow, "window_pk"), per_office=True, redirect_is_refusal=True
        ),
        "mobile_windows:session_detail": Rule(SIGNED_IN, kwargs=_pk(WindowSession), per_office=True),
        "mobile_windows:session_update": Rule(
            CLOSED_MONTH_EDITORS, kwargs=_pk(WindowSession), per_office=True, redirect_is_refusal=True
        ),
        "mobile_windows:session_submit": Rule(SIGNED_IN, kwargs=_pk(WindowSession), per_office=True, method="post"),
        "mobile_windows:school_list": Rule(SIGNED_IN),
        "mobile_windows:school_create": Rule(WRITERS, redirect_is_refusal=True),
        # --- reports (reports/views.py): CSV only, so that a marker in the data would be readable ---
        "reports:report": Rule(SIGNED_IN, query=REPORT_QUERY),
        "reports:export": Rule(SIGNED_IN, kwargs=lambda w, office: {"fmt": "csv"}, query=REPORT_QUERY),
        "reports:export_raw": Rule(
            SIGNED_IN,
            kwargs=lambda w, office: tuple({"kind": kind, "fmt": "csv"} for kind in RAW_KINDS),
            query=REPORT_QUERY,
        ),
        # --- export jobs (reports/download_views.py): the world's job belongs to the administrator,
        # so everyone else gets 404; it never ran, so its file is 404 for everyone (the owner's
        # download is tested in tests/reports/test_jobs.py) ---
        # The municipal profile PDF: whoever sees the municipality's page (another department's is a 404).
        "reports:municipality_profile": Rule(SIGNED_IN, kwargs=_pk(Municipality), per_office=True),
        "reports:downloads": Rule(SIGNED_IN),
        "reports:request_export": Rule(None, method="post", data={"kind": "attendance", "fmt": "csv"}),
        "reports:job": Rule(ADMINISTRATOR, kwargs=_pk(ExportJob)),
        "reports:job_progress": Rule(ADMINISTRATOR, kwargs=_pk(ExportJob)),
        "reports:job_cancel": Rule(ADMINISTRATOR, kwargs=_pk(ExportJob), method="post"),
        "reports:download": Rule(frozenset(), kwargs=_pk(ExportJob)),
        # Monthly report packs (Mi cuenta): coordinators and managers (administrators may do everything).
        "reports:monthly_pack": Rule(ADMIN_USERS),
        # --- the coordinators' admin: progress, closing, targets, review queue ---
        "admin:review_review_queue": Rule(ADMIN_USERS),
        "admin:indicators_target_bulk": Rule(ADMIN_USERS),
        "admin:indicators_target_import": Rule(TARGET_EDITORS),
        "admin:indicators_municipalprogress_close": Rule(
            ADMIN_USERS,
            kwargs=lambda w, office: {"pk": w.obj[Municipality][office].pk, "year": 2026, "month": 3},
            per_office=True,
        ),
        "admin:indicators_municipalprogress_reopen": Rule(
            ADMIN_USERS, kwargs=_pk(PeriodClosure, "closure_id"), per_office=True
        ),
    }
)


# --- The REST API (api/urls.py), through the session; tests/api/test_matrix.py repeats it with tokens ---
API_READ = {
    # name: model of the record behind the detail route, owned by an office (or its department)
    "department": Department,
    "municipality": Municipality,
    "office": TerritorialOffice,
    "workshop": Workshop,
    "attendance": Attendance,
    "participant": Participant,
    "window": MobileWindow,
    "window-session": WindowSession,
    "meeting": TableMeeting,
    "assistance": TechnicalAssistance,
    "plan": MunicipalPlan,
}
API_SHARED = {"thematic-table": ThematicTable, "institution": Institution}  # every signed-in user reads them
# Departments, municipalities and offices are reference data scoped to the department for staff and coordinators.
MATRIX.update(
    {
        "api_tokens": Rule(SIGNED_IN),
        "api:schema": Rule(EVERYONE),
        "api:docs": Rule(EVERYONE),
        "api:figures": Rule(SIGNED_IN, query="level=office&period=all"),
        "api:review": Rule(
            frozenset({"coordinator_x", "administrator"}),
            kwargs=lambda w, office: {"kind": "workshops", "pk": w.obj[Workshop][office].pk, "verb": "approve"},
            per_office=True,
            method="post",
            json=True,
        ),
        # Offline attendance (issue 15): the bundle needs the right to change the workshop (the world's
        # month is closed: staff are refused); removal answers 409 for a read-only workshop and 400
        # for a workshop out of scope named in its body.
        "api:workshop-offline": Rule(CLOSED_MONTH_EDITORS, kwargs=_pk(Workshop), per_office=True),
        "api:attendance-remove": Rule(
            CLOSED_MONTH_EDITORS,
            kwargs=lambda w, office: {},
            per_office=True,
            method="post",
            json=True,
            # Nobody attends as this id: the world's attendance stays for the routes checked after this one.
            data=lambda w, office: {"workshop": w.obj[Workshop][office].pk, "participant": 2**31 - 1},
            refusals=(400, 409),
        ),
        "api:participant-search": Rule(SIGNED_IN, query=SEARCH),
        "api:participant-duplicates": Rule(SIGNED_IN, query="first_names=Ana&last_names=P%C3%A9rez+ZZMARCA"),
        **{f"api:{name}-list": Rule(SIGNED_IN) for name in (*API_READ, *API_SHARED)},
        **{f"api:{name}-detail": Rule(SIGNED_IN, kwargs=_pk(model)) for name, model in API_SHARED.items()},
        **{
            f"api:{name}-detail": Rule(SIGNED_IN, kwargs=_pk(model), per_office=True)
            for name, model in API_READ.items()
        },
    }
)


ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history", "simple_history")


# --- The world: one object of every model in each office, with the office's marker in its text ---


def _build_world(users) -> SimpleNamespace:
    from django.contrib.contenttypes.models import ContentType

    obj: dict[type, dict] = {}
    offices = {"A": users["staff_a"].office, "B": users["staff_b"].office}
    for key, office in offices.items():
        mark = MARKER[key]
        muni = factories.pess_municipality(office)
        staff = users[f"staff_{key.lower()}"]
        workshop = factories.workshop(office, muni, title=f"Taller {mark}")
        person = factories.participant(office, last_names=f"Pérez {mark}")
        attendance = factories.attendance(workshop, person)
        window = factories.window(office, muni)
        window.school.name = f"Centro Escolar {mark}"
        window.school.save(update_fields=["name"])
        session = factories.session(window, topic_other=f"Tema {mark}", notes=f"Notas {mark}")
        meeting = factories.meeting(office, muni, agreements=f"Acuerdos {mark}")
        follow = factories.follow_up(meeting)
        follow.description = f"Acción {mark}"
        follow.save(update_fields=["description"])
        plan = factories.plan(office, muni, gender_actions=f"Acciones {mark}")
        assistance = factories.assistance(office, muni, outcome=f"Resultado {mark}")
        stage_change = factories.stage_change(plan, staff)  # pending: proposed by the office's staff
        stage_change.note = f"Nota {mark}"
        stage_change.save(update_fields=["note"])
        transition = submit(record=workshop, by=staff, reason="Lista en papel")  # before the month is closed below
        link = CheckInLink.objects.create(workshop=workshop, is_open=True, nonce=f"nonce-{key}")
        entry = CheckInEntry.objects.create(
            workshop=workshop,
            first_names="Rosa",
            last_names=f"Por confirmar {mark}",
            sex="F",
            age_group="30-59",
            institution_name=f"Institución {mark}",
            consent_at=workshop.created_at,
            device_hash="d" * 32,
            address_hash="a" * 32,
        )
        device_owner = factories.user("staff", office)
        found = {
            Workshop: workshop,
            Participant: person,
            Attendance: attendance,
            CheckInLink: link,
            CheckInEntry: entry,
            MobileWindow: window,
            School: window.school,
            WindowSession: session,
            ReachCount: session.reach_counts.first() if hasattr(session, "reach_counts") else None,
            TableMeeting: meeting,
            FollowUpAction: follow,
            TechnicalAssistance: assistance,
            MunicipalPlan: plan,
            PlanStageChange: stage_change,
            PeriodClosure: factories.closure(muni, users["administrator"]),
            Department: office.department,
            Municipality: muni,
            MunicipalProgress: MunicipalProgress.objects.get(pk=muni.pk),
            TerritorialOffice: office,
            User: staff,
            SecurityEvent: events.record("login", user=staff),
            # 2FA devices of another user of the office (the roles themselves stay unverified-free).
            TOTPDevice: TOTPDevice.objects.create(user=device_owner, name="app", confirmed=True),
            StaticDevice: StaticDevice.objects.create(user=device_owner, name="backup", confirmed=True),
        }
        if found[ReachCount] is None:
            found[ReachCount] = ReachCount.objects.filter(session=session).first()
        for model, instance in found.items():
            obj.setdefault(model, {})[key] = instance
    # Records that belong to no office: the same object stands for both.
    shared = {
        ThematicTable: ThematicTable.objects.order_by("pk").first(),
        Institution: factories.institution(None, name="Institución compartida"),
        Target: factories.target(Municipality.objects.order_by("code").first()),
        Group: Group.objects.order_by("pk").first(),
        ReviewTransition: transition,
        AccessAttempt: AccessAttempt.objects.create(username="alguien", ip_address="10.0.0.1", failures_since_start=1),
        AccessLog: AccessLog.objects.create(username="alguien", ip_address="10.0.0.1"),
        AccessFailureLog: AccessFailureLog.objects.create(username="alguien", ip_address="10.0.0.1", locked_out=False),
        ExportJob: ExportJob.objects.create(owner=users["administrator"], kind="attendance", fmt="csv"),
        DBTaskResult: run_export.enqueue(0).db_result,  # a queued task (django-tasks-db's read-only admin)
    }
    owner: dict[type, bool] = dict.fromkeys(obj, True)
    for model, instance in shared.items():
        if not isinstance(instance, model):
            instance = model.objects.order_by("pk").first()
        obj[model] = {"A": instance, "B": instance}
        owner[model] = False
    valid_a = checkin.make_token(obj[CheckInLink]["A"])  # signed, but its workshop's day is past
    checkin_tokens = (
        {"token": "no-es-un-enlace"},
        {"token": valid_a[:-2] + ("xx" if not valid_a.endswith("xx") else "yy")},  # altered
        {"token": valid_a},
    )
    return SimpleNamespace(
        obj=obj,
        owned=owner,
        office_ct=ContentType.objects.get_for_model(TerritorialOffice).pk,
        users=users,
        checkin_tokens=checkin_tokens,
    )


@pytest.fixture
def world(staff_a, staff_b, coordinator_x, coordinator_y, manager, administrator):
    users = {
        "staff_a": staff_a,
        "staff_b": staff_b,
        "coordinator_x": coordinator_x,
        "coordinator_y": coordinator_y,
        "manager": manager,
        "administrator": administrator,
    }
    return _build_world(users)


# --- Walking the URL patterns ---


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = p.name and (f"{namespace}:{p.name}" if namespace else p.name)
            yield name, prefix + str(p.pattern)


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def _admin_model_action(name: str | None, route: str):
    """(model, action) when the pattern is one of a registered model admin's standard views."""
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}_"
        if name and name.startswith(base) and name[len(base) :] in ADMIN_ACTIONS:
            return model, name[len(base) :]
        if name is None and route == f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/":
            return model, "object_redirect"
    return None


def _key(name, route):
    return name or route


def test_every_url_pattern_has_a_matrix_entry():
    missing = [
        f"{_key(name, route)!r} ({route})"
        for name, route in all_patterns()
        if _key(name, route) not in MATRIX and _admin_model_action(name, route) is None
    ]
    assert missing == [], (
        "These URL patterns have no entry in tests/test_permission_matrix.py MATRIX; add a Rule "
        "(roles allowed, kwargs from the world, per_office for scoped objects) for each:\n  " + "\n  ".join(missing)
    )


# --- Requests and outcomes ---


def _outcome(response, login_redirect_ok=False, redirect_is_refusal=False, refusals=()) -> str:
    code = response.status_code
    if code in refusals:
        return "denied"
    if code in (200, 201, 422):  # 422: the view answered with its form's errors
        return "ok"
    if code in (301, 302, 303):
        path = urlparse(response["Location"]).path
        if redirect_is_refusal and not path.startswith(LOGIN_PATHS):
            return "denied"
        if path.startswith(LOGIN_PATHS):
            return "ok" if login_redirect_ok else "denied"
        if path == "/admin/":
            return "denied"  # the admin's "this object does not exist (or you may not see it)"
        return "ok"
    if code in (401, 403, 404, 405, 410):  # 401: the API asks an anonymous client to authenticate; 410: a dead link
        return "denied"
    return f"error {code}"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _admin_expectation(model, action, role, user, instance, office_key, owned) -> bool:
    if role not in ADMIN_USERS:
        return False
    model_admin = admin.site._registry[model]
    request = _admin_request(user)
    if action == "changelist":
        return model_admin.has_view_or_change_permission(request)
    if action == "add":
        return model_admin.has_add_permission(request)
    if action == "object_redirect":
        return True  # a redirect to the change page, which is checked on its own
    visible = role in SEES[office_key if owned else None]
    if action == "delete":
        return visible and model_admin.has_delete_permission(request, instance)
    return visible and model_admin.has_view_or_change_permission(request, instance)


def _requests_for(world, role, user):
    """Yield (label, method, url, data, expected, outcome options) for every pattern."""
    for name, route in all_patterns():
        admin_rule = _admin_model_action(name, route)
        if admin_rule is not None:
            model, action = admin_rule
            owned = world.owned.get(model, False)
            if action in ("changelist", "add"):
                url = reverse(name)
                yield name, "get", url, {}, _admin_expectation(model, action, role, user, None, None, owned), {}
                continue
            if model not in world.obj:
                raise AssertionError(f"No object of {model._meta.label} in the world: add one in _build_world")
            for office in ("A", "B"):
                instance = world.obj[model][office]
                if action == "object_redirect":
                    url = "/" + route.replace("<path:object_id>", str(instance.pk))
                elif action == "simple_history":
                    history = instance.history.order_by("-history_id").first()
                    url = reverse(name, args=[instance.pk, history.history_id])
                else:
                    url = reverse(name, kwargs={"object_id": instance.pk})
                expected = _admin_expectation(model, action, role, user, instance, office, owned)
                yield f"{name}[{office}]", "get", url, {}, expected, {}
                if not owned:
                    break
            continue
        rule = MATRIX[_key(name, route)]
        offices = ("A", "B") if (rule.kwargs and rule.per_office) else (None,)
        for office in offices:
            if rule.kwargs is None:
                urls = [reverse(name) if name else "/" + route.replace("(?P<url>.*)$", "no-existe/")]
            else:
                args = rule.kwargs(world, office or "A")
                cases = args if isinstance(args, tuple) else (args,)
                urls = [reverse(name, args=a) if isinstance(a, list) else reverse(name, kwargs=a) for a in cases]
            if rule.allowed is None:
                expected = None
            else:
                expected = role in rule.allowed and (office is None or role in SEES[office])
            for url in urls:
                yield (
                    _key(name, route) + (f"[{office}]" if office else ""),
                    rule.method,
                    f"{url}?{rule.query}" if rule.query else url,
                    rule.data(world, office or "A") if callable(rule.data) else rule.data,
                    expected,
                    {
                        "login_redirect_ok": rule.login_redirect_ok,
                        "redirect_is_refusal": rule.redirect_is_refusal,
                        "lands_on": rule.lands_on(world, office or "A", role) if rule.lands_on and expected else None,
                        "json": rule.json,
                        "refusals": rule.refusals,
                    },
                )


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world):
    """Each role gets what the matrix allows, is refused the rest, and never sees another office's data."""
    user = world.users.get(role)
    failures = []
    client = Client()
    for label, method, url, data, expected, options in _requests_for(world, role, user or AnonymousUser()):
        if user is not None and "_auth_user_id" not in client.session:
            client.force_login(user)  # again after a logout
        if options.pop("json", False):
            response = getattr(client, method)(url, data, content_type="application/json")
        else:
            response = getattr(client, method)(url, data)
        lands_on = options.pop("lands_on", None)
        outcome = _outcome(response, **options)
        if lands_on is not None and response.get("Location") != lands_on:
            failures.append(f"{label} {url}: expected a redirect to {lands_on}, got {response.status_code}")
        if outcome.startswith("error"):
            failures.append(f"{label} {url}: {outcome}")
            continue
        if expected is not None and (outcome == "ok") != expected:
            where = response.get("Location", "")
            failures.append(
                f"{label} {url}: expected {'allowed' if expected else 'refused'}, got {response.status_code} {where}"
            )
        body = _body(response)
        for office in ("A", "B"):
            if role not in SEES[office] and MARKER[office] in body:
                failures.append(f"{label} {url}: shows office {office}'s data to {role}")
    assert failures == [], f"{role}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_checkin_form_opens_for_every_role_only_through_a_valid_link(role, world):
    """The public check-in pages answer anyone (signed in or not) with a valid link of an open
    QR registration on the workshop's day, and show only the workshop's title and date."""
    office = world.users["staff_a"].office
    staff = world.users["staff_a"]
    today = factories.workshop(office, title="Taller abierto hoy", start_date=TODAY, end_date=TODAY, status="planned")
    factories.attendance(today, world.obj[Participant]["A"])
    token = checkin.make_token(checkin.open_link(workshop=today, by=staff))
    client = Client()
    if world.users.get(role):
        client.force_login(world.users[role])
    for name in ("workshops:checkin_form", "workshops:checkin_thanks"):
        response = client.get(reverse(name, args=[token]))
        body = _body(response)
        assert response.status_code == 200, name
        assert "Taller abierto hoy" in body and MARKER["A"] not in body and MARKER["B"] not in body
        for bad in world.checkin_tokens[:2]:
            assert client.get(reverse(name, kwargs=bad)).status_code == 404


def test_the_matrix_would_catch_a_leak(world):
    """The marker check is live: office B's marker is on office B's admin page for the administrator."""
    client = Client()
    client.force_login(world.users["administrator"])
    url = reverse("admin:workshops_workshop_change", kwargs={"object_id": world.obj[Workshop]["B"].pk})
    assert MARKER["B"] in _body(client.get(url))
    # …and on the new apps' pages: searches, the review queue, raw exports.
    for url in (
        reverse("workshops:search", kwargs={"pk": world.obj[Workshop]["A"].pk}) + "?" + SEARCH,
        reverse("workshops:participant_list") + "?" + SEARCH,
        reverse("admin:review_review_queue"),
        reverse("reports:export_raw", kwargs={"kind": "attendance", "fmt": "csv"}),
        reverse("municipalities:meeting_detail", kwargs={"pk": world.obj[TableMeeting]["B"].pk}),
        reverse("mobile_windows:session_detail", kwargs={"pk": world.obj[WindowSession]["B"].pk}),
        reverse("municipalities:plan_detail", kwargs={"pk": world.obj[MunicipalPlan]["B"].pk}),
    ):
        assert MARKER["B"] in _body(client.get(url)), url
