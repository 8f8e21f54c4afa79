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

from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from municipalities.models import (
    Department,
    FollowUpAction,
    Institution,
    Municipality,
    MunicipalPlan,
    PeriodClosure,
    PlanStageChange,
    TableMeeting,
    Target,
    TechnicalAssistance,
    TerritorialOffice,
    ThematicTable,
)
from pess_tracker import events
from pess_tracker.models import ReviewTransition, SecurityEvent, User
from pess_tracker.review import submit
from tests import factories
from workshops.models import Attendance, Participant, Workshop

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
    kwargs(world, office): URL kwargs (a list means positional args); with per_office the URL is
    requested for the objects of both offices and only roles in SEES[office] may get them.
    """

    allowed: frozenset | None
    kwargs: Callable | None = None
    per_office: bool = False
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: str = ""
    login_redirect_ok: bool = False  # logging out lands on the login page


MATRIX: dict[str, Rule] = {
    "home": Rule(SIGNED_IN),
    "healthz": Rule(EVERYONE),
    "readyz": Rule(EVERYONE),
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

ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history", "simple_history")


# --- The world: one object of every model in each office, with the office's marker in its text ---


def _build_world(users) -> SimpleNamespace:
    from django.contrib.contenttypes.models import ContentType

    obj: dict[type, dict] = {}
    offices = {"A": users["staff_a"].office, "B": users["staff_b"].office}
    for key, office in offices.items():
        mark = MARKER[key]
        muni = factories.pess_municipality(office)
        workshop = factories.workshop(office, muni, title=f"Taller {mark}")
        person = factories.participant(office, last_names=f"Pérez {mark}")
        attendance = factories.attendance(workshop, person)
        window = factories.window(office, muni)
        window.school.name = f"Centro Escolar {mark}"
        window.school.save(update_fields=["name"])
        session = factories.session(window)
        meeting = factories.meeting(office, muni)
        follow = factories.follow_up(meeting)
        follow.description = f"Acción {mark}"
        follow.save(update_fields=["description"])
        plan = factories.plan(office, muni)
        staff = users[f"staff_{key.lower()}"]
        transition = submit(record=workshop, by=staff)  # before the month is closed below
        device_owner = factories.user("staff", office)
        found = {
            Workshop: workshop,
            Participant: person,
            Attendance: attendance,
            MobileWindow: window,
            School: window.school,
            WindowSession: session,
            ReachCount: session.reach_counts.first() if hasattr(session, "reach_counts") else None,
            TableMeeting: meeting,
            FollowUpAction: follow,
            TechnicalAssistance: factories.assistance(office, muni),
            MunicipalPlan: plan,
            PlanStageChange: factories.stage_change(plan, users["administrator"]),
            PeriodClosure: factories.closure(muni, users["administrator"]),
            Department: office.department,
            Municipality: muni,
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
    }
    owner: dict[type, bool] = dict.fromkeys(obj, True)
    for model, instance in shared.items():
        if not isinstance(instance, model):
            instance = model.objects.order_by("pk").first()
        obj[model] = {"A": instance, "B": instance}
        owner[model] = False
    return SimpleNamespace(
        obj=obj, owned=owner, office_ct=ContentType.objects.get_for_model(TerritorialOffice).pk, users=users
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


def _outcome(response, login_redirect_ok=False) -> str:
    code = response.status_code
    if code == 200 or code == 201:
        return "ok"
    if code in (301, 302, 303):
        path = urlparse(response["Location"]).path
        if path.startswith(LOGIN_PATHS):
            return "ok" if login_redirect_ok else "denied"
        if path == "/admin/":
            return "denied"  # the admin's "this object does not exist (or you may not see it)"
        return "ok"
    if code in (403, 404, 405):
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
    """Yield (label, method, url, data, expected, login_redirect_ok) for every pattern."""
    for name, route in all_patterns():
        admin_rule = _admin_model_action(name, route)
        if admin_rule is not None:
            model, action = admin_rule
            owned = world.owned.get(model, False)
            if action in ("changelist", "add"):
                url = reverse(name)
                yield name, "get", url, {}, _admin_expectation(model, action, role, user, None, None, owned), False
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
                yield f"{name}[{office}]", "get", url, {}, expected, False
                if not owned:
                    break
            continue
        rule = MATRIX[_key(name, route)]
        offices = ("A", "B") if (rule.kwargs and rule.per_office) else (None,)
        for office in offices:
            if rule.kwargs is None:
                url = reverse(name) if name else "/" + route.replace("(?P<url>.*)$", "no-existe/")
            else:
                args = rule.kwargs(world, office or "A")
                url = reverse(name, args=args) if isinstance(args, list) else reverse(name, kwargs=args)
            if rule.query:
                url = f"{url}?{rule.query}"
            if rule.allowed is None:
                expected = None
            else:
                expected = role in rule.allowed and (office is None or role in SEES[office])
            yield (
                _key(name, route) + (f"[{office}]" if office else ""),
                rule.method,
                url,
                rule.data,
                expected,
                (rule.login_redirect_ok),
            )


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world):
    """Each role gets what the matrix allows, is refused the rest, and never sees another office's data."""
    user = world.users.get(role)
    failures = []
    client = Client()
    for label, method, url, data, expected, login_redirect_ok in _requests_for(world, role, user or AnonymousUser()):
        if user is not None and "_auth_user_id" not in client.session:
            client.force_login(user)  # again after a logout
        response = getattr(client, method)(url, data)
        outcome = _outcome(response, login_redirect_ok)
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


def test_the_matrix_would_catch_a_leak(world):
    """The marker check is live: office B's marker is on office B's admin page for the administrator."""
    client = Client()
    client.force_login(world.users["administrator"])
    url = reverse("admin:workshops_workshop_change", kwargs={"object_id": world.obj[Workshop]["B"].pk})
    assert MARKER["B"] in _body(client.get(url))
