"""Monthly report packs: coordinators and managers subscribe; on the 1st of each month the worker
builds last month's pack of their scope, puts it in «Mis descargas» and e-mails the link.

    subscription_of(user)                         # their PackSubscription, or None
    subscribe(user=, table_format="xlsx")         # on (again); DomainError for other roles
    unsubscribe(user=)
    tick(now=None)                                # the scheduler: queue what is due, e-mail what is done

A pack is an ExportJob (kind "monthly_pack", a ZIP) run by `reports.jobs.run` like any export:
inside `scope(owner)`, written as a partial file and renamed when whole, listed and served by
«Mis descargas» to its owner only, expired after EXPORT_RETENTION_DAYS. It holds the indicators
report of the month by municipality (XLSX or CSV, official figures only), the map of unique
participants (SVG, indicators.maps), the municipal profiles (one PDF per department,
reports.profile) and a LEEME.txt.

`tick` runs inside the worker (`export_worker`: once at start, then every PACK_SCHEDULE_SECONDS
in a thread): for each active subscription switched on before this month began, it creates the
`MonthlyPack` row of last month — one row per subscription and month (a unique constraint), so
two workers or a restart never build or send twice — and queues its job in the same transaction.
The e-mail goes out when the job completes (and any e-mail still unsent, e.g. while the mail
server was down, at the next tick); `emailed_at` is claimed with a conditional UPDATE first, so
it is sent once.
"""

from __future__ import annotations

import datetime
import logging
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.permissions import Action, can, require
from core.scoping import scopes_disabled
from geography.models import Department
from indicators import maps
from indicators.registry import IndicatorKey as K
from reports import builder, exports, jobs, profile
from reports.models import ExportJob, ExportState, MonthlyPack, PackFormat, PackSubscription

logger = logging.getLogger("pess.exports")

KIND = jobs.PACK_KIND
FMT = "zip"

# --- Subscriptions ------------------------------------------------------------------------------


def may_subscribe(user) -> bool:
    return can(user, Action.RECEIVE_PACKS)


def subscription_of(user) -> PackSubscription | None:
    return PackSubscription.objects.filter(user=user).first() if user.is_authenticated else None


def subscribe(*, user, table_format: str = PackFormat.XLSX) -> PackSubscription:
    """Switch the user's pack on (or change its format). Coordinators and managers only, with an
    e-mail address on their account (the link is sent there)."""
    require(user, Action.RECEIVE_PACKS)
    if table_format not in PackFormat.values:
        raise DomainError("bad_format", _("Elija XLSX o CSV."), field="table_format")
    if not user.email:
        raise DomainError(
            "no_email",
            _("Su cuenta no tiene correo electrónico: pida a la administración que lo registre para recibir el aviso."),
        )
    subscription = subscription_of(user)
    if subscription is None:
        return PackSubscription.objects.create(user=user, table_format=table_format, since=timezone.now())
    if not subscription.active:
        subscription.since = timezone.now()
    subscription.active = True
    subscription.table_format = table_format
    subscription.save()
    return subscription


def unsubscribe(*, user) -> PackSubscription | None:
    subscription = subscription_of(user)
    if subscription is not None and subscription.active:
        subscription.active = False
        subscription.save(update_fields=["active", "updated_at"])
    return subscription


def packs_of(user, limit: int = 12):
    return MonthlyPack.objects.filter(subscription__user=user).select_related("job").order_by("-month", "-pk")[:limit]


# --- The scheduler ----------------------------------------------------------------------------------


def due_month(now=None) -> datetime.date:
    """The month whose pack is due at `now`: the previous calendar month (local time)."""
    first = timezone.localdate(now or timezone.now()).replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def tick(now=None) -> dict:
    """Queue the packs that are due and e-mail those that are ready. Idempotent; safe to run from
    several workers at once. Returns what it did: {"queued": n, "emailed": n}."""
    now = now or timezone.now()
    # Housekeeping for every subscriber (as the worker's other housekeeping): no user's scope.
    with scopes_disabled():
        queued = queue_due(now)
        emailed = send_pending_emails()
    return {"queued": queued, "emailed": emailed}


def queue_due(now) -> int:
    month = due_month(now)
    this_month = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now).replace(day=1), datetime.time.min)
    )
    due = (
        PackSubscription.objects.filter(active=True, since__lt=this_month, user__is_active=True)
        .exclude(packs__month=month)
        .select_related("user", "user__office")
        .order_by("pk")
    )
    queued = 0
    for subscription in due:
        if not may_subscribe(subscription.user):
            continue  # the role changed since: nothing is built (the subscription stays for the record)
        try:
            with transaction.atomic():
                pack = MonthlyPack.objects.create(subscription=subscription, month=month)
                job = ExportJob.objects.create(
                    owner=subscription.user,
                    kind=KIND,
                    fmt=FMT,
                    filters=_filters(month, subscription.table_format),
                    description=_description(month, subscription.user)[:300],
                )
                MonthlyPack.objects.filter(pk=pack.pk).update(job=job)
                jobs.enqueue(job)  # in the same transaction: a pack row always has its queued task
        except IntegrityError:
            continue  # another worker queued this pack first
        queued += 1
    return queued


def _filters(month: datetime.date, table_format: str) -> dict:
    return {
        "level": "municipality",
        "period": "month",
        "year": str(month.year),
        "month": str(month.month),
        "table_format": table_format,
    }


def _month_label(month: datetime.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return formats.date_format(month, "F \\d\\e Y").lower()


def _description(month: datetime.date, user) -> str:
    scope = user.office.department.name if user.office_id and not user.is_national else _("nacional")
    return _("Paquete mensual de %(month)s · %(scope)s · solo registros aprobados") % {
        "month": _month_label(month),
        "scope": scope,
    }


# --- Building a pack (called by reports.jobs.run inside scope(owner)) --------------------------------


def write(job: ExportJob, part: Path) -> int:
    """Write the pack of `job` as a ZIP into `part`; returns the number of table rows."""
    owner = job.owner
    require(owner, Action.RECEIVE_PACKS)
    table_format = job.filters.get("table_format", PackFormat.XLSX)
    form_data = {k: v for k, v in job.filters.items() if k != "table_format"}
    filters = jobs.report_filters("indicators", form_data, owner)
    report = builder.build_report(filters, owner)
    rows = sum(len(t.rows) for t in report.tables)
    month = filters.period.start
    stem = f"indicadores-{month:%Y-%m}"
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if table_format == PackFormat.CSV:
            archive.writestr(f"{stem}.csv", exports.report_csv(report))
        else:
            sheet = jobs.temporary_dir() / f"pack-{job.pk}.xlsx"
            try:
                exports.report_xlsx(report, str(sheet), tmpdir=jobs.temporary_dir())
                archive.write(sheet, f"{stem}.xlsx")
            finally:
                sheet.unlink(missing_ok=True)
        contents = [f"{stem}.{table_format}"]
        map_name = f"mapa-participantes-{month:%Y-%m}.svg"
        archive.writestr(map_name, map_svg(owner, filters))
        contents.append(map_name)
        contents += profile_pdfs(owner, filters, archive)
        archive.writestr("LEEME.txt", _readme(job, report, contents))
    return rows


def map_svg(owner, filters) -> str:
    """The month's map of unique participants by municipality of the owner's scope (their
    department zoomed for a coordinator), as a standalone SVG file (indicators.maps)."""
    national = owner.is_national or owner.office_id is None
    the_map = maps.indicator_map(
        K.PARTICIPANTS,
        filters.municipalities(owner),
        filters.start,
        filters.end,
        user=owner,
        department=None if national else owner.office.department.code,
        link=False,
        title=_("%(indicator)s por municipio, %(period)s (solo registros aprobados)")
        % {"indicator": K.PARTICIPANTS.label, "period": filters.period.label},
    )
    return the_map.standalone_svg()


def profile_pdfs(owner, filters, archive) -> list[str]:
    """The municipal profiles of the month (reports.profile): one PDF per department the owner
    sees, with a page (or two) per PESS municipality."""
    names = []
    visible = filters.municipalities(owner).values("department")
    for department in Department.objects.filter(pk__in=visible).order_by("name"):
        name = f"perfiles-{slugify(department.name)}-{filters.period.start:%Y-%m}.pdf"
        archive.writestr(name, profile.department_bundle_pdf(department, filters.period, owner))
        names.append(name)
    return names


def _readme(job, report, contents) -> str:
    lines = [
        _("PESS Tracker — ISDEMU"),
        job.description,
        _("Generado el %(when)s para %(user)s.")
        % {"when": timezone.localtime(report.generated_at).strftime("%d/%m/%Y %H:%M"), "user": job.owner.username},
        _("Cifras oficiales: solo registros aprobados. Contiene solo su ámbito."),
        "",
        _("Contenido:"),
        *(f"- {name}" for name in contents),
        "",
    ]
    return "\n".join(lines)


# --- E-mail -----------------------------------------------------------------------------------------


def job_completed(job: ExportJob) -> None:
    """Called by reports.jobs.run when a pack's file is complete: send its e-mail."""
    pack = MonthlyPack.objects.filter(job=job).select_related("subscription__user", "job").first()
    if pack is not None:
        send_email(pack)


def send_pending_emails() -> int:
    pending = MonthlyPack.objects.filter(emailed_at__isnull=True, job__state=ExportState.COMPLETED).select_related(
        "subscription__user", "job"
    )
    return sum(1 for pack in pending if send_email(pack))


def send_email(pack: MonthlyPack) -> bool:
    """E-mail the link to the pack's file, once (claimed first; released again if sending fails)."""
    user = pack.subscription.user
    now = timezone.now()
    if not MonthlyPack.objects.filter(pk=pack.pk, emailed_at__isnull=True).update(emailed_at=now, email_to=user.email):
        return False  # sent already (or being sent by another worker)
    if not user.email:
        return False
    link = settings.SITE_URL + reverse("reports:job", args=[pack.job_id])
    month = _month_label(pack.month)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("PESS Tracker: su paquete de informes de %(month)s") % {"month": month}
        body = "\n".join(
            [
                _("Hola, %(name)s:") % {"name": user.first_name or user.username},
                "",
                _("Su paquete mensual de informes de %(month)s está listo en «Mis descargas»:") % {"month": month},
                link,
                "",
                _(
                    "Contiene solo cifras oficiales (registros aprobados) de su ámbito. "
                    "El archivo se conserva %(days)s días."
                )
                % {"days": settings.EXPORT_RETENTION_DAYS},
                _("Para dejar de recibirlo: %(url)s") % {"url": settings.SITE_URL + reverse("reports:monthly_pack")},
            ]
        )
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:
        MonthlyPack.objects.filter(pk=pack.pk).update(emailed_at=None, email_to="")
        logger.exception("monthly pack %s: the e-mail could not be sent; it is tried again at the next tick", pack.pk)
        return False
    return True
