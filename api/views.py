"""/api/v1/: read the records a user may see, create attendance, participants and window sessions
idempotently, take review actions and read figures. Every query runs in the user's scope
(api.base.ScopedAPIMixin); every write goes through the owning app's service."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.base import CanWrite, Filter, FilteredMixin, Pagination, ScopedAPIMixin, idempotent, updated_since
from api.errors import conflict_response, domain_error_response, locked_conflict
from core.errors import DomainError
from core.permissions import Action, require
from core.scoping import scopes_disabled
from core.validators import normalize_dui
from geography.models import Department, Institution, Municipality, TerritorialOffice, ThematicTable
from indicators import periods
from indicators.figures import GROUP_DIMENSIONS, figures_and_pending
from indicators.registry import INDICATORS, Review
from mobile_windows.models import MobileWindow, WindowSession
from mobile_windows.services import save_session
from municipalities.models import MunicipalPlan, TableMeeting, TechnicalAssistance
from review import services as review
from review.models import ReviewState
from workshops import offline as workshop_offline
from workshops import people as workshop_people
from workshops import services as workshop_services
from workshops.models import Attendance, Participant, Workshop, WorkshopStatus

REVIEW_STATES = [c for c, _label in ReviewState.choices]
ERRORS = {400: OpenApiResponse(description=str(_("Datos no válidos: un mensaje por campo.")))}


def listing(filters):
    """Schema of a list: its filters and the cursor pagination parameters."""
    return extend_schema(parameters=[f.parameter() for f in filters])


class ReadViewSet(ScopedAPIMixin, FilteredMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination


def read_viewset(model_serializer, queryset_fn, filters, doc):
    """A read-only resource: list (cursor pagination, filters) and retrieve."""

    @extend_schema_view(list=listing(filters), retrieve=extend_schema())
    class View(ReadViewSet):
        serializer_class = model_serializer
        __doc__ = doc

        def get_queryset(self):
            return queryset_fn()

    View.filters = filters
    View.__name__ = View.__qualname__ = f"{model_serializer.Meta.model.__name__}ViewSet"
    return View


# --- Reference data ---

DepartmentViewSet = read_viewset(s.DepartmentSerializer, lambda: Department.objects.all(), [], "Departamentos.")
MunicipalityViewSet = read_viewset(
    s.MunicipalitySerializer,
    lambda: Municipality.objects.all(),
    [
        Filter("department", "department_id", description=_("Departamento")),
        Filter("pess_phase", "pess_phase", description=_("Fase PESS (1, 2 o 3)")),
        Filter("pess", "pess_phase__isnull", "bool", _("true: solo los 50 municipios PESS")),
    ],
    "Municipios (distritos desde 2024) con su fase PESS.",
)
# `pess=true` means pess_phase is NOT null
MunicipalityViewSet.filters[2].apply = lambda qs, value: qs.filter(pess_phase__isnull=not value)
OfficeViewSet = read_viewset(
    s.OfficeSerializer,
    lambda: TerritorialOffice.objects.all(),
    [Filter("department", "department_id", description=_("Departamento"))],
    "Oficinas territoriales.",
)
ThematicTableViewSet = read_viewset(
    s.ThematicTableSerializer, lambda: ThematicTable.objects.all(), [], "Mesas temáticas."
)
InstitutionViewSet = read_viewset(
    s.InstitutionSerializer,
    lambda: Institution.objects.all(),
    [
        Filter("municipality", "municipality_id", description=_("Municipio")),
        Filter("q", "search_name__contains", "str", _("Parte del nombre")),
    ],
    "Instituciones.",
)

# --- Records ---

RECORD_FILTERS = [
    Filter("municipality", "municipality_id", description=_("Municipio")),
    Filter("office", "office_id", description=_("Oficina")),
    Filter("review_state", "review_state", "str", _("Estado de revisión"), REVIEW_STATES),
    updated_since(),
]


class WorkshopViewSet(mixins.CreateModelMixin, ReadViewSet):
    """Talleres: los filtros de la página «Mis talleres». Crear es idempotente con `client_uuid`."""

    serializer_class = s.WorkshopSerializer
    permission_classes = [*ReadViewSet.permission_classes, CanWrite]
    filters = [
        *RECORD_FILTERS,
        Filter("status", "status", "str", _("Estado"), [c for c, _l in WorkshopStatus.choices]),
        Filter("thematic_table", "thematic_table_id", description=_("Mesa temática")),
        Filter("start_from", "start_date__gte", "date", _("Desde (fecha de inicio)")),
        Filter("start_to", "start_date__lte", "date", _("Hasta (fecha de inicio)")),
        Filter("title", "title__icontains", "str", _("Parte del título")),
    ]

    def get_queryset(self):
        return Workshop.objects.with_attendance_totals()

    list = listing(filters)(ReadViewSet.list)

    @extend_schema(
        request=s.WorkshopCreateSerializer,
        responses={
            201: s.WorkshopSerializer,
            409: OpenApiResponse(description=str(_("Su oficina ya tiene un taller igual ese día."))),
            **ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        return idempotent(request, "workshop", lambda: self._create(request))

    def _create(self, request):
        data = _valid(s.WorkshopCreateSerializer, request)
        data.pop("client_uuid", None)
        not_duplicate = data.pop("not_duplicate")
        data["municipality"] = _get(Municipality, data["municipality"], "municipality", _("Municipio no encontrado."))
        if data.get("thematic_table"):
            table = _get(ThematicTable, data["thematic_table"], "thematic_table", _("Mesa temática no encontrada."))
            data["thematic_table"] = table
        workshop = Workshop(**data)
        try:
            workshop_services.save_workshop(workshop=workshop, by=request.user, not_duplicate=not_duplicate)
        except DomainError as exc:
            candidates = [w.pk for w in exc.candidates]
            return domain_error_response(exc, {"candidates": candidates})
        workshop = Workshop.objects.with_attendance_totals().get(pk=workshop.pk)
        return Response(s.WorkshopSerializer(workshop).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            200: s.OfflineBundleSerializer,
            403: OpenApiResponse(description=str(_("Solo quien puede modificar el taller lo lleva sin conexión."))),
        }
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def offline(self, request, pk=None):
        """«Llevar sin conexión»: el taller, su asistencia y el registro de personas de su oficina (nombres,
        sexo, grupo de edad, institución y últimos dígitos del DUI), para buscar y registrar sin conexión."""
        workshop = _get(Workshop, _int(pk), None, _("Taller no encontrado."))
        try:
            bundle = workshop_offline.offline_bundle(workshop=workshop, user=request.user)
        except DomainError as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=status.HTTP_403_FORBIDDEN)
        return Response(s.OfflineBundleSerializer(bundle).data)


class AttendanceViewSet(ScopedAPIMixin, FilteredMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Asistencia a talleres. Crear es idempotente con `client_uuid`."""

    serializer_class = s.AttendanceSerializer
    pagination_class = Pagination
    permission_classes = [*ReadViewSet.permission_classes, CanWrite]
    filters = [
        Filter("workshop", "workshop_id", description=_("Taller")),
        Filter("participant", "participant_id", description=_("Persona")),
        Filter("updated_since", "registered_at__gte", "datetime", _("Registradas desde (ISO 8601)")),
    ]

    def get_queryset(self):
        return Attendance.objects.all()

    list = listing(filters)(viewsets.ReadOnlyModelViewSet.list)

    @extend_schema(
        request=s.AttendanceCreateSerializer,
        responses={
            201: s.AttendanceSerializer,
            200: s.AttendanceSerializer,
            409: OpenApiResponse(
                s.ConflictSerializer,
                description=str(
                    _(
                        "Conflicto (`code`): workshop_approved, period_closed (el taller ya no se puede modificar) o "
                        "participant_merged (la persona se unió con otra ficha: `merged_into`)."
                    )
                ),
            ),
            **ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        return idempotent(request, "attendance", lambda: self._create(request))

    def _create(self, request):
        data = _valid(s.AttendanceCreateSerializer, request)
        workshop = _get(Workshop, data["workshop"], "workshop", _("Taller no encontrado."))
        participant = Participant.objects.filter(pk=data["participant"]).first()
        dui = normalize_dui(data.get("participant_dui") or "")
        if participant is None and dui:
            with scopes_disabled():  # another office's person, by id AND exact DUI (as on the page)
                participant = Participant.objects.filter(pk=data["participant"], dui=dui).first()
        if participant is None:
            merged = self._merged(request, data["participant"])
            if merged is not None:
                return conflict_response("participant_merged", {"merged_into": merged})
            raise exceptions.ValidationError({"participant": [_("Persona no encontrada.")]})
        try:
            attendance, created = workshop_services.record_attendance(
                workshop=workshop, participant=participant, by=request.user
            )
        except DomainError as exc:
            return locked_conflict(exc, workshop) or domain_error_response(exc)
        return Response(
            s.AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _merged(self, request, participant_id, *, attending=None):
        """The person a merge kept in place of `participant_id`, if the user may see it (or, for a removal,
        if it attends `attending`): an offline device still holds the removed id."""
        kept = workshop_people.merged_into(participant_id)
        if kept is None:
            return None
        found = Participant.objects.filter(pk=kept).select_related("office").first()
        if found is None and attending is not None:
            with scopes_disabled():  # another office's person on this workshop's list
                if Attendance.objects.filter(workshop=attending, participant_id=kept).exists():
                    found = Participant.objects.filter(pk=kept).first()
            if found is not None:
                found.other_office = True
        if found is None:
            return None
        return s.ParticipantSerializer(found, context=self.get_serializer_context()).data

    @extend_schema(
        request=s.AttendanceRemoveSerializer,
        responses={
            200: s.AttendanceRemovedSerializer,
            409: OpenApiResponse(
                s.ConflictSerializer,
                description=str(_("El taller se aprobó o su mes se cerró, o la persona se unió con otra ficha.")),
            ),
            **ERRORS,
        },
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def remove(self, request):
        """Quitar a una persona de la asistencia (como «Quitar» en la página). Idempotente con `client_uuid`;
        quitar dos veces no es un error (`removed: false`)."""
        return idempotent(request, "attendance_remove", lambda: self._remove(request))

    def _remove(self, request):
        data = _valid(s.AttendanceRemoveSerializer, request)
        workshop = _get(Workshop, data["workshop"], "workshop", _("Taller no encontrado."))
        try:
            removed = workshop_services.remove_attendance(
                workshop=workshop, participant_id=data["participant"], by=request.user
            )
        except DomainError as exc:
            return locked_conflict(exc, workshop) or domain_error_response(exc)
        if not removed:
            merged = self._merged(request, data["participant"], attending=workshop)
            if merged is not None:
                return conflict_response("participant_merged", {"merged_into": merged})
        body = {"workshop": workshop.pk, "participant": data["participant"], "removed": removed}
        return Response(s.AttendanceRemovedSerializer(body).data)


class ParticipantViewSet(ScopedAPIMixin, FilteredMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Personas: búsqueda por nombre o DUI, sugerencia de duplicados, registro idempotente.

    Los datos personales (nombres, DUI, contacto) solo llegan a quien puede verlos (core.privacy);
    la gerencia recibe el código seudónimo.
    """

    serializer_class = s.ParticipantSerializer
    pagination_class = Pagination
    permission_classes = [*ReadViewSet.permission_classes, CanWrite]
    filters = [
        Filter("municipality", "municipality_id", description=_("Municipio")),
        Filter("office", "office_id", description=_("Oficina")),
        Filter("updated_since", "created_at__gte", "datetime", _("Registradas desde (ISO 8601)")),
    ]

    def get_queryset(self):
        return Participant.objects.select_related("office")

    list = listing(filters)(viewsets.ReadOnlyModelViewSet.list)

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description=str(_("Nombre o DUI")))],
        responses={200: s.ParticipantSerializer(many=True), **ERRORS},
    )
    @action(detail=False, pagination_class=None)
    def search(self, request):
        """Búsqueda como en la página de asistencia (máximo 10): nombre, o DUI; otra oficina solo por DUI exacto."""
        text = request.query_params.get("q", "")
        if not text.strip() or len(text) > 200 or "\x00" in text:
            raise exceptions.ValidationError({"q": [_("Escriba un nombre o un DUI (hasta 200 caracteres).")]})
        found = workshop_people.search_participants(user=request.user, text=text)
        return Response(s.ParticipantSerializer(found, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("first_names", OpenApiTypes.STR, required=True),
            OpenApiParameter("last_names", OpenApiTypes.STR, required=True),
            OpenApiParameter("dui", OpenApiTypes.STR),
            OpenApiParameter("municipality", OpenApiTypes.INT),
        ],
        responses={200: s.ParticipantSerializer(many=True), **ERRORS},
    )
    @action(detail=False, pagination_class=None)
    def duplicates(self, request):
        """«¿Es la misma persona?»: quienes probablemente ya están registrados (como en la página)."""
        params = request.query_params
        first, last = params.get("first_names", ""), params.get("last_names", "")
        if not (first.strip() or last.strip()) or len(first) > 100 or len(last) > 100 or "\x00" in first + last:
            raise exceptions.ValidationError(
                {"first_names": [_("Indique nombres y apellidos (hasta 100 caracteres).")]}
            )
        municipality = None
        if params.get("municipality"):
            municipality_id = Filter("municipality", "").parse(params["municipality"])
            municipality = Municipality.objects.filter(pk=municipality_id).first()
        found = workshop_people.possible_duplicates(
            user=request.user,
            first_names=first,
            last_names=last,
            dui=normalize_dui(params.get("dui", "")[:12].replace("\x00", "")) or None,
            municipality=municipality,
        )
        return Response(s.ParticipantSerializer(found, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        request=s.ParticipantCreateSerializer,
        responses={
            201: s.ParticipantCreatedSerializer,
            409: OpenApiResponse(
                description=str(
                    _(
                        "Conflicto (`code`): possible_duplicate (`candidates`: personas parecidas), dui_exists "
                        "(ya hay una persona con ese DUI: `candidates`), dui_taken, workshop_approved o period_closed."
                    )
                )
            ),
            **ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        return idempotent(request, "participant", lambda: self._create(request))

    def _create(self, request):
        data = _valid(s.ParticipantCreateSerializer, request)
        workshop = _get(Workshop, data.pop("workshop"), "workshop", _("Taller no encontrado."))
        not_duplicate = data.pop("not_duplicate")
        data.pop("client_uuid", None)
        try:
            participant, attendance = workshop_people.register_and_attend(
                workshop=workshop,
                data=workshop_people.ParticipantData(**data),
                by=request.user,
                not_duplicate=not_duplicate,
            )
        except DomainError as exc:
            locked = locked_conflict(exc, workshop)
            if locked is not None:
                return locked
            context = self.get_serializer_context()
            candidates = s.ParticipantSerializer(exc.candidates, many=True, context=context).data
            dui = normalize_dui(data.get("dui") or "")
            if exc.code == "possible_duplicate" and dui and any(c.dui == dui for c in exc.candidates):
                # Someone (another device, another office) registered this DUI: attach or discard.
                return conflict_response("dui_exists", {"candidates": candidates})
            return domain_error_response(exc, {"candidates": candidates})
        context = self.get_serializer_context()
        body = {
            "participant": s.ParticipantSerializer(participant, context=context).data,
            "attendance": s.AttendanceSerializer(attendance).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class WindowViewSet(ReadViewSet):
    """Ventanillas móviles."""

    serializer_class = s.WindowSerializer
    filters = [*RECORD_FILTERS, Filter("status", "status", "str", _("Estado"))]

    def get_queryset(self):
        return MobileWindow.objects.all()

    list = listing(filters)(ReadViewSet.list)


class WindowSessionViewSet(ScopedAPIMixin, FilteredMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Jornadas de ventanilla con su tabla sexo × grupo de edad. Crear es idempotente con `client_uuid`."""

    serializer_class = s.WindowSessionSerializer
    pagination_class = Pagination
    permission_classes = [*ReadViewSet.permission_classes, CanWrite]
    filters = [
        Filter("window", "window_id", description=_("Ventanilla")),
        Filter("review_state", "review_state", "str", _("Estado de revisión"), REVIEW_STATES),
        Filter("date_from", "date__gte", "date", _("Desde")),
        Filter("date_to", "date__lte", "date", _("Hasta")),
        updated_since(),
    ]

    def get_queryset(self):
        return WindowSession.objects.prefetch_related("reach_counts")

    list = listing(filters)(viewsets.ReadOnlyModelViewSet.list)

    @extend_schema(
        request=s.WindowSessionCreateSerializer,
        responses={201: s.WindowSessionSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        return idempotent(request, "window_session", lambda: self._create(request))

    def _create(self, request):
        data = _valid(s.WindowSessionCreateSerializer, request)
        window = _get(MobileWindow, data.pop("window"), "window", _("Ventanilla no encontrada."))
        data.pop("client_uuid", None)
        cells = data.pop("grid", [])
        counts = {}
        for cell in cells:
            key = (cell["sex"], cell["age_group"])
            if key in counts:
                raise exceptions.ValidationError({"grid": [_("Cada celda sexo × grupo de edad una sola vez.")]})
            counts[key] = cell["count"]
        session = save_session(by=request.user, window=window, counts=counts, **data)
        session = WindowSession.objects.prefetch_related("reach_counts").get(pk=session.pk)
        return Response(s.WindowSessionSerializer(session).data, status=status.HTTP_201_CREATED)


MeetingViewSet = read_viewset(
    s.MeetingSerializer,
    lambda: TableMeeting.objects.all(),
    [
        *RECORD_FILTERS,
        Filter("table", "table_id", description=_("Mesa temática")),
        Filter("date_from", "date__gte", "date", _("Desde")),
        Filter("date_to", "date__lte", "date", _("Hasta")),
    ],
    "Reuniones de mesas temáticas.",
)
AssistanceViewSet = read_viewset(
    s.AssistanceSerializer,
    lambda: TechnicalAssistance.objects.all(),
    [
        *RECORD_FILTERS,
        Filter("institution", "institution_id", description=_("Institución")),
        Filter("date_from", "date__gte", "date", _("Desde")),
        Filter("date_to", "date__lte", "date", _("Hasta")),
    ],
    "Asistencia técnica.",
)
PlanViewSet = read_viewset(
    s.PlanSerializer, lambda: MunicipalPlan.objects.all(), RECORD_FILTERS, "Planes municipales de prevención."
)

# --- Review actions ---

REVIEWABLE = {
    "workshops": Workshop,
    "windows": MobileWindow,
    "window-sessions": WindowSession,
    "meetings": TableMeeting,
    "assistance": TechnicalAssistance,
    "plans": MunicipalPlan,
}


class ReviewActionView(ScopedAPIMixin, APIView):
    """Revisión: `submit` (enviar), `approve` (aprobar) y `return` (devolver, con comentario) a través de
    review.services; el registro debe estar al alcance del usuario (otro departamento: 404)."""

    @extend_schema(
        request=s.ReviewActionSerializer,
        responses={200: s.ReviewResultSerializer, **ERRORS},
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(REVIEWABLE)),
            OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("verb", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["submit", "approve", "return"]),
        ],
    )
    def post(self, request, kind, pk, verb):
        model = REVIEWABLE.get(kind)
        if model is None or verb not in ("submit", "approve", "return"):
            raise exceptions.NotFound(_("Acción de revisión desconocida."))
        record = _get(model, pk, None, _("Registro no encontrado."))
        data = _valid(s.ReviewActionSerializer, request)
        comment = data.get("comment", "")
        if verb == "submit":
            require(request.user, Action.SUBMIT, record)  # also when it is already submitted (a no-op)
            review.submit(record=record, by=request.user, reason=comment)  # e.g. why a workshop has no attendees
        elif verb == "approve":
            review.approve(record=record, by=request.user, comment=comment)
        else:
            review.return_for_changes(record=record, by=request.user, comment=comment)
        record.refresh_from_db()
        return Response({"id": record.pk, "review_state": record.review_state, "review_comment": record.review_comment})


# --- Figures ---


class FiguresView(ScopedAPIMixin, APIView):
    """Cifras de los indicadores (las mismas que la página de informes: indicators.figures.figures),
    por nivel y periodo, dentro del alcance del usuario."""

    @extend_schema(
        parameters=[
            OpenApiParameter("indicators", OpenApiTypes.STR, description="Claves separadas por coma (todas si falta)"),
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(GROUP_DIMENSIONS)),
            OpenApiParameter(
                "review",
                OpenApiTypes.STR,
                enum=list(Review.values),
                description="aprobados (cifras oficiales, por defecto), con_pendientes o pendientes; "
                "`pending` lleva siempre lo pendiente de revisión al lado",
            ),
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(periods.KINDS)),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("quarter", OpenApiTypes.INT),
            OpenApiParameter("month", OpenApiTypes.INT),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("all_municipalities", OpenApiTypes.BOOL, description="Los 262, no solo los 50 PESS"),
        ],
        responses={200: s.FiguresSerializer, **ERRORS},
    )
    def get(self, request):
        params = request.query_params
        raw_keys = [k for k in (params.get("indicators") or "").split(",") if k]
        keys = raw_keys or list(INDICATORS)
        unknown = [k for k in keys if k not in INDICATORS]
        if unknown:
            raise exceptions.ValidationError(
                {"indicators": [_("Indicador desconocido: %(k)s") % {"k": unknown[0][:50]}]}
            )
        level = params.get("level") or None
        if level is not None and level not in GROUP_DIMENSIONS:
            raise exceptions.ValidationError({"level": [_("Nivel no válido.")]})
        if (params.get("period") or "year") not in periods.KINDS:
            raise exceptions.ValidationError({"period": [_("Periodo no válido.")]})
        review_bucket = params.get("review") or Review.OFFICIAL
        if review_bucket not in Review.values:
            raise exceptions.ValidationError({"review": [_("Valor no válido.")]})
        period = periods.from_params(params)
        start, end = (period.start, period.end) if period else (None, None)
        municipalities = Municipality.objects.all()
        all_municipalities = Filter("all_municipalities", "", "bool").parse(params.get("all_municipalities") or "0")
        if not all_municipalities:
            municipalities = municipalities.pess()
        if params.get("department"):
            municipalities = municipalities.filter(department_id=Filter("department", "").parse(params["department"]))
        user = request.user
        total, pending = figures_and_pending(keys, municipalities, start, end, user=user, review=review_bucket)
        rows = []
        if level:
            grouped, waiting = figures_and_pending(
                keys, municipalities, start, end, by=level, user=user, review=review_bucket
            )
            zero = dict.fromkeys(keys, 0)
            rows = [
                {
                    "group": None if g is None else str(g),
                    "values": _numbers(grouped.get(g, zero)),
                    "pending": _numbers(waiting.get(g, zero)),
                }
                for g in {*grouped, *waiting}
            ]
            rows.sort(key=lambda r: r["group"] or "")
        body = {
            "start": start,
            "end": end,
            "level": level,
            "review": review_bucket,
            "indicators": keys,
            "total": _numbers(total),
            "pending": _numbers(pending),
            "rows": rows,
        }
        return Response(s.FiguresSerializer(body).data)


def _numbers(values: dict) -> dict:
    return {k: float(v or 0) for k, v in values.items()}


# --- helpers ---


def _valid(serializer_class, request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Se esperaba un objeto JSON.")]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _int(raw) -> int | None:
    return int(raw) if str(raw).isdigit() else None


def _get(model, pk, field, message):
    """The record with this id if the user may see it (the scoped manager decides)."""
    found = model.objects.filter(pk=pk).first() if isinstance(pk, int) and 0 < pk < 2**31 else None
    if found is None:
        if field is None:
            raise exceptions.NotFound(message)
        raise exceptions.ValidationError({field: [message]})
    return found
