from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import user_reference
from core.privacy import person_label, pseudonym_expression, role_may_see_personal_data
from core.querysets import related_aggregate
from core.scoping import ScopedManager, ScopedQuerySet
from core.text import normalize_name
from core.validators import normalize_dui, validate_dui
from indicators.disaggregation import AgeGroup, Sex
from review.models import ReviewableModel


class WorkshopStatus(models.TextChoices):
    PLANNED = "planned", _("Programado")
    HELD = "held", _("Realizado")
    CANCELLED = "cancelled", _("Cancelado")


class WorkshopAudience(models.TextChoices):
    MUNICIPAL_GENDER_OFFICE = "gender_office", _("Unidad municipal de la mujer / de género")
    SCHOOL = "school", _("Centro escolar")
    INSTITUTION = "institution", _("Institución pública")
    COMMUNITY = "community", _("Comunidad / organizaciones")
    ISDEMU_STAFF = "isdemu_staff", _("Personal del ISDEMU")
    OTHER = "other", _("Otro")


class WorkshopTopic(models.TextChoices):
    LEIV = "leiv", _("LEIV: vida libre de violencia para las mujeres")
    LIE = "lie", _("LIE: igualdad, equidad y no discriminación")
    VIOLENCE_PREVENTION = "violence_prevention", _("Prevención de la violencia contra las mujeres")
    GENDER_APPROACH = "gender_approach", _("Enfoque de género en la gestión pública")
    NEW_MASCULINITIES = "masculinities", _("Nuevas masculinidades")
    PESS = "pess", _("Implementación del Plan El Salvador Seguro")
    OTHER = "other", _("Otro")


class WorkshopQuerySet(ScopedQuerySet):
    def held(self):
        return self.filter(status=WorkshopStatus.HELD)

    def in_period(self, start, end):
        return self.filter(start_date__gte=start, start_date__lte=end)

    def with_attendance_totals(self):
        """`attendee_count` per workshop, as a correlated subquery (no GROUP BY over the list)."""
        return self.annotate(attendee_count=related_aggregate(Attendance.objects.all(), "workshop"))

    def without_attendance(self):
        return self.exclude(Exists(Attendance.objects.filter(workshop=OuterRef("pk"))))


class Workshop(ReviewableModel):
    PERIOD_DATE_FIELD = "start_date"

    title = models.CharField(_("título"), max_length=200)
    topic = models.CharField(_("tema"), max_length=32, choices=WorkshopTopic.choices)
    audience = models.CharField(_("público"), max_length=32, choices=WorkshopAudience.choices)
    municipality = models.ForeignKey(
        "geography.Municipality", verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="workshops"
    )
    office = models.ForeignKey(
        "geography.TerritorialOffice",
        verbose_name=_("oficina"),
        on_delete=models.PROTECT,
        related_name="workshops",
    )
    thematic_table = models.ForeignKey(
        "geography.ThematicTable",
        verbose_name=_("mesa temática"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshops",
    )
    start_date = models.DateField(_("fecha de inicio"))
    end_date = models.DateField(_("fecha de finalización"))
    hours = models.DecimalField(_("horas"), max_digits=5, decimal_places=1)
    venue = models.CharField(_("lugar"), max_length=200, blank=True)
    facilitators = models.CharField(_("facilitadoras/es"), max_length=255, blank=True)
    status = models.CharField(
        _("estado"), max_length=16, choices=WorkshopStatus.choices, default=WorkshopStatus.PLANNED, db_index=True
    )

    # What staff type for a workshop (its form and the API's create); status and review are actions.
    RECORD_FIELDS = (
        "title",
        "topic",
        "audience",
        "municipality",
        "thematic_table",
        "start_date",
        "end_date",
        "hours",
        "venue",
        "facilitators",
    )
    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    objects = ScopedManager.from_queryset(WorkshopQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("taller")
        verbose_name_plural = _("talleres")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["office", "start_date"]),
            models.Index(fields=["municipality", "start_date"]),
            models.Index(fields=["start_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="workshop_end_after_start"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="workshop_hours_not_negative"),
        ]

    def __str__(self):
        return f"{self.title} ({self.start_date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("workshops:detail", args=[self.pk])


class ParticipantQuerySet(ScopedQuerySet):
    def search(self, text: str):
        """The one search for people, within this queryset (scope it first with `visible_to`).

        Digits search DUIs: a whole DUI or its start (with or without the hyphen). Anything else
        searches names, accent- and case-insensitively: every word must appear, and names that
        start with the text come first. The cross-office exact-DUI rule is
        `workshops.people.search_participants`, built on this.
        """
        text = (text or "").strip()
        dui = normalize_dui(text)
        if dui[:1].isdigit():
            return self.filter(dui__startswith=dui).order_by("dui", "pk")
        key = normalize_name(text)
        if not key:
            return self.none()
        qs = self
        for word in key.split(" "):
            qs = qs.filter(search_name__contains=word)
        starts_first = Case(When(search_name__startswith=key, then=Value(0)), default=Value(1))
        return qs.alias(starts_first=starts_first).order_by("starts_first", "search_name", "pk")

    def search_code(self, text: str):
        """Search by pseudonymous code only (those who may not see names search this way)."""
        code = (text or "").strip().upper().replace("P-", "", 1).lower()
        if not code:
            return self.none()
        return self.alias(code=pseudonym_expression("pk")).filter(code__startswith=f"P-{code}").order_by("pk")

    def search_for(self, user, text: str):
        """The people search `user` may run: by name and DUI, or by code for managers (core.privacy)."""
        return self.search(text) if role_may_see_personal_data(user) else self.search_code(text)

    def with_attendance_count(self):
        return self.annotate(attendance_count=related_aggregate(Attendance.objects.all(), "participant"))


class Participant(models.Model):
    """One person, once. DUI is unique when given; likely duplicates are flagged before saving."""

    first_names = models.CharField(_("nombres"), max_length=100)
    last_names = models.CharField(_("apellidos"), max_length=100)
    search_name = models.CharField(max_length=210, editable=False, db_index=True)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("grupo de edad"), max_length=8, choices=AgeGroup.choices)
    birth_year = models.PositiveSmallIntegerField(_("año de nacimiento"), null=True, blank=True)
    dui = models.CharField(_("DUI"), max_length=10, unique=True, null=True, blank=True, validators=[validate_dui])
    institution = models.ForeignKey(
        "geography.Institution",
        verbose_name=_("institución"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    position = models.CharField(_("cargo"), max_length=120, blank=True)
    phone = models.CharField(_("teléfono"), max_length=32, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    municipality = models.ForeignKey(
        "geography.Municipality",
        verbose_name=_("municipio de residencia"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
    )
    office = models.ForeignKey(
        "geography.TerritorialOffice",
        verbose_name=_("oficina que la registró"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    consent = models.BooleanField(_("consiente conservar sus datos personales"), default=False)
    consent_at = models.DateTimeField(_("consentimiento el"), null=True, blank=True)
    created_by = user_reference(_("registrado por"))
    created_at = models.DateTimeField(_("creado el"), default=timezone.now, editable=False)

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    objects = ScopedManager.from_queryset(ParticipantQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participante")
        verbose_name_plural = _("participantes")
        ordering = ["last_names", "first_names", "pk"]
        indexes = [
            models.Index(fields=["office", "search_name"]),
            models.Index(fields=["institution", "search_name"]),
            models.Index(fields=["municipality", "search_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900), name="participant_birth_year_valid"
            ),
            models.CheckConstraint(condition=~Q(dui=""), name="participant_dui_not_empty"),
        ]

    def __str__(self):
        # The name, or the pseudonymous code for whoever may not see it (core.privacy).
        return person_label(self)

    def save(self, *args, **kwargs):
        # The search key is derived data: keep it in step with the names on every save.
        self.search_name = normalize_name(f"{self.first_names} {self.last_names}")
        if self.dui == "":
            self.dui = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_names", "last_names"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("workshops:participant_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()


class AttendanceMethod(models.TextChoices):
    STAFF = "staff", _("Registro del personal")
    IMPORT = "import", _("Importación de hoja")
    SELF_CHECKIN = "self", _("Auto-registro")


class Attendance(models.Model):
    # No index of its own: the unique (workshop, participant) index starts with the workshop.
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("taller"), on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participante"), on_delete=models.PROTECT, related_name="attendances"
    )
    registered_by = user_reference(_("registrado por"))
    registered_at = models.DateTimeField(_("registrado el"), default=timezone.now)
    method = models.CharField(
        _("forma de registro"), max_length=8, choices=AttendanceMethod.choices, default=AttendanceMethod.STAFF
    )

    SCOPE_OFFICE = "workshop__office"
    SCOPE_DEPARTMENT = "workshop__office__department"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant"], name="attendance_once_per_workshop"),
        ]

    def __str__(self):
        return f"{self.participant} — {self.workshop}"


# --- Self check-in by QR (workshops.checkin) -------------------------------------------------


class CheckInLink(models.Model):
    """A workshop's QR self check-in link: open or closed, and the nonce its signed token carries.

    Opening draws a new nonce, so closing and reopening invalidates every link printed before."""

    workshop = models.OneToOneField(
        Workshop, verbose_name=_("taller"), on_delete=models.CASCADE, related_name="checkin_link"
    )
    is_open = models.BooleanField(_("abierto"), default=False)
    nonce = models.CharField(max_length=32, editable=False)
    opened_by = user_reference(_("abierto por"))
    opened_at = models.DateTimeField(_("abierto el"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cerrado el"), null=True, blank=True)

    SCOPE_OFFICE = "workshop__office"
    SCOPE_DEPARTMENT = "workshop__office__department"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("registro por QR")
        verbose_name_plural = _("registros por QR")

    def __str__(self):
        return f"QR {self.workshop_id}"


class CheckInStatus(models.TextChoices):
    PENDING = "pending", _("Por confirmar")
    CONFIRMED = "confirmed", _("Confirmado (persona nueva)")
    MERGED = "merged", _("Unido a una persona registrada")
    REJECTED = "rejected", _("Rechazado")


class CheckInEntryQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status=CheckInStatus.PENDING)


class CheckInEntry(models.Model):
    """What a participant typed on their own phone. Never an attendance by itself: staff confirm it
    (a new person), merge it (an existing person) or reject it; only then is attendance recorded,
    so an unconfirmed entry counts in no figure."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("taller"), on_delete=models.CASCADE, related_name="checkin_entries"
    )
    first_names = models.CharField(_("nombres"), max_length=100)
    last_names = models.CharField(_("apellidos"), max_length=100)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("grupo de edad"), max_length=8, choices=AgeGroup.choices)
    institution_name = models.CharField(_("institución"), max_length=200, blank=True)
    # Not unique: what someone typed, checked against the registry only when staff confirm.
    dui = models.CharField(_("DUI"), max_length=10, null=True, blank=True, validators=[validate_dui])
    consent_at = models.DateTimeField(_("consentimiento el"))
    created_at = models.DateTimeField(_("enviado el"), default=timezone.now, editable=False)
    # Keyed hashes (workshops.checkin.keyed_hash) for the throttles: never the address itself.
    device_hash = models.CharField(max_length=32, editable=False)
    address_hash = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        _("estado"), max_length=10, choices=CheckInStatus.choices, default=CheckInStatus.PENDING, db_index=True
    )
    resolved_by = user_reference(_("resuelto por"))
    resolved_at = models.DateTimeField(_("resuelto el"), null=True, blank=True)
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participante"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance = models.ForeignKey(
        Attendance, verbose_name=_("asistencia"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_OFFICE = "workshop__office"
    SCOPE_DEPARTMENT = "workshop__office__department"
    objects = ScopedManager.from_queryset(CheckInEntryQuerySet)()

    class Meta:
        verbose_name = _("registro por QR por confirmar")
        verbose_name_plural = _("registros por QR por confirmar")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["workshop", "status"]),
            models.Index(fields=["address_hash", "created_at"]),
            models.Index(fields=["workshop", "device_hash"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(dui=""), name="checkin_entry_dui_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()
