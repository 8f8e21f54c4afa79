"""API representations. Participants carry personal data only where core.privacy allows it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.privacy import can_see_personal_data, pseudonym_code, role_may_see_personal_data
from geography.models import Department, Institution, Municipality, TerritorialOffice, ThematicTable
from indicators.disaggregation import AgeGroup, Sex
from mobile_windows.models import MobileWindow, WindowSession
from mobile_windows.services import grid_cells
from municipalities.models import MunicipalPlan, TableMeeting, TechnicalAssistance
from workshops.models import Attendance, Participant, Workshop

REVIEW_FIELDS = ["review_state", "review_comment", "submitted_at", "reviewed_at", "created_at", "updated_at"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "iso_code", "name", "zone"]


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "code", "name", "department", "pess_phase", "pess_entry_date"]


class OfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TerritorialOffice
        fields = ["id", "code", "name", "department", "address", "phone", "email"]


class ThematicTableSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThematicTable
        fields = ["id", "code", "name"]


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "kind", "municipality", "created_at"]


class WorkshopSerializer(serializers.ModelSerializer):
    attendee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Workshop
        fields = [
            "id",
            "title",
            "topic",
            "audience",
            "municipality",
            "office",
            "thematic_table",
            "start_date",
            "end_date",
            "hours",
            "venue",
            "facilitators",
            "status",
            "attendee_count",
            *REVIEW_FIELDS,
        ]


class WorkshopCreateSerializer(serializers.ModelSerializer):
    municipality = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    thematic_table = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    not_duplicate = serializers.BooleanField(required=False, default=False)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)

    class Meta:
        model = Workshop
        fields = [*Workshop.RECORD_FIELDS, "not_duplicate", "client_uuid"]


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "workshop", "participant", "registered_at", "method"]


class AttendanceCreateSerializer(serializers.Serializer):
    workshop = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    participant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    participant_dui = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text=_("DUI exacto: necesario para añadir a una persona registrada por otra oficina."),
    )
    client_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("UUID generado por el cliente (idempotencia).")
    )


class AttendanceRemoveSerializer(serializers.Serializer):
    workshop = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    participant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    client_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("UUID generado por el cliente (idempotencia).")
    )


class AttendanceRemovedSerializer(serializers.Serializer):
    workshop = serializers.IntegerField()
    participant = serializers.IntegerField()
    removed = serializers.BooleanField(help_text=_("false: la persona ya no estaba en la lista."))


class OfflinePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_names = serializers.CharField()
    last_names = serializers.CharField()
    sex = serializers.CharField()
    age_group = serializers.CharField()
    institution = serializers.CharField(allow_blank=True)
    dui_end = serializers.CharField(allow_blank=True, help_text=_("Últimos dígitos del DUI (p. ej. 567-8)."))


class OfflineWorkshopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    municipality = serializers.IntegerField()
    office = serializers.IntegerField()
    review_state = serializers.CharField()


class OfflineBundleSerializer(serializers.Serializer):
    workshop = OfflineWorkshopSerializer()
    attendance = OfflinePersonSerializer(many=True)
    participants = OfflinePersonSerializer(many=True, help_text=_("Registro de personas de la oficina del taller."))
    generated_at = serializers.DateTimeField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


PERSONAL_FIELDS = ("first_names", "last_names", "dui", "birth_year", "position", "phone", "email", "institution")


class ParticipantSerializer(serializers.ModelSerializer):
    """Personal fields are null unless core.privacy.can_see_personal_data(user, participant)."""

    code = serializers.SerializerMethodField(help_text=_("Código seudónimo de la persona."))
    personal_data = serializers.SerializerMethodField(help_text=_("Si la respuesta incluye datos personales."))
    first_names = serializers.CharField(allow_null=True, read_only=True)
    last_names = serializers.CharField(allow_null=True, read_only=True)
    dui = serializers.CharField(allow_null=True, read_only=True)
    birth_year = serializers.IntegerField(allow_null=True, read_only=True)
    position = serializers.CharField(allow_null=True, read_only=True)
    phone = serializers.CharField(allow_null=True, read_only=True)
    email = serializers.CharField(allow_null=True, read_only=True)
    institution = serializers.PrimaryKeyRelatedField(allow_null=True, read_only=True)
    other_office = serializers.SerializerMethodField(
        help_text=_("Registrada por otra oficina (encontrada por su DUI exacto).")
    )

    class Meta:
        model = Participant
        fields = [
            "id",
            "code",
            "personal_data",
            "sex",
            "age_group",
            "municipality",
            "office",
            "created_at",
            "other_office",
            *PERSONAL_FIELDS,
        ]

    def get_code(self, obj) -> str:
        return pseudonym_code(obj.pk)

    def get_personal_data(self, obj) -> bool:
        return self._allowed(obj)

    def get_other_office(self, obj) -> bool:
        return bool(getattr(obj, "other_office", False))

    def _allowed(self, obj) -> bool:
        cache = self.context.setdefault("_personal", {})
        if obj.pk not in cache:
            cache[obj.pk] = can_see_personal_data(self.context["request"].user, obj) and not getattr(
                obj, "other_office", False
            )
        return cache[obj.pk]

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not self._allowed(obj):
            for name in PERSONAL_FIELDS:
                data[name] = None
            if getattr(obj, "other_office", False) and role_may_see_personal_data(self.context["request"].user):
                # As on the attendance page: another office's person found by exact DUI, by name only.
                data["first_names"], data["last_names"] = obj.first_names, obj.last_names
        return data


class ParticipantCreateSerializer(serializers.Serializer):
    workshop = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=_("Taller al que asiste."))
    first_names = serializers.CharField(max_length=100)
    last_names = serializers.CharField(max_length=100)
    sex = serializers.ChoiceField(choices=Sex.choices)
    age_group = serializers.ChoiceField(choices=AgeGroup.choices)
    dui = serializers.CharField(required=False, allow_blank=True, max_length=12)
    institution_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    position = serializers.CharField(required=False, allow_blank=True, max_length=120)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)
    consent = serializers.BooleanField(required=False, default=False)
    not_duplicate = serializers.BooleanField(
        required=False, default=False, help_text=_("Confirma que no es ninguna de las personas sugeridas.")
    )
    client_uuid = serializers.UUIDField(required=False, allow_null=True)


class ParticipantCreatedSerializer(serializers.Serializer):
    participant = ParticipantSerializer()
    attendance = AttendanceSerializer()


class WindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = MobileWindow
        fields = [
            "id",
            "school",
            "site_name",
            "municipality",
            "office",
            "installed_on",
            "removed_on",
            "status",
            *REVIEW_FIELDS,
        ]


GRID_SEX_CHOICES = [(x, x) for x in dict.fromkeys(c[0] for c in grid_cells())]
GRID_AGE_CHOICES = [(x, x) for x in dict.fromkeys(c[1] for c in grid_cells())]


class CellSerializer(serializers.Serializer):
    sex = serializers.ChoiceField(choices=GRID_SEX_CHOICES)
    age_group = serializers.ChoiceField(choices=GRID_AGE_CHOICES)
    count = serializers.IntegerField(min_value=0, max_value=100000)


SESSION_FIELDS = [
    "date",
    "hours",
    "topic_leiv_rights",
    "topic_violence_types",
    "topic_where_to_seek_help",
    "topic_other",
    "materials_handed_out",
    "referrals",
    "notes",
]


class WindowSessionSerializer(serializers.ModelSerializer):
    grid = serializers.SerializerMethodField(help_text=_("Personas alcanzadas por sexo × grupo de edad."))
    people = serializers.SerializerMethodField()

    class Meta:
        model = WindowSession
        fields = ["id", "window", *SESSION_FIELDS, "people", "grid", *REVIEW_FIELDS]

    def _counts(self, obj) -> dict:
        return {(rc.sex, rc.age_group): rc.count for rc in obj.reach_counts.all()}

    @extend_schema_field(CellSerializer(many=True))
    def get_grid(self, obj):
        counts = self._counts(obj)
        return [{"sex": s, "age_group": a, "count": counts.get((s, a), 0)} for s, a in grid_cells()]

    def get_people(self, obj) -> int:
        return sum(self._counts(obj).values())


class WindowSessionCreateSerializer(serializers.Serializer):
    window = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    date = serializers.DateField(input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0)
    grid = CellSerializer(many=True, required=False)
    zero_confirmed = serializers.BooleanField(required=False, default=False)
    topic_leiv_rights = serializers.BooleanField(required=False, default=False)
    topic_violence_types = serializers.BooleanField(required=False, default=False)
    topic_where_to_seek_help = serializers.BooleanField(required=False, default=False)
    topic_other = serializers.CharField(required=False, allow_blank=True, max_length=200)
    materials_handed_out = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)
    referrals = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TableMeeting
        fields = ["id", "municipality", "table", "office", "date", "agreements", "follow_up", *REVIEW_FIELDS]


class AssistanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnicalAssistance
        fields = ["id", "institution", "municipality", "office", "date", "topic", "hours", "outcome", *REVIEW_FIELDS]


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = MunicipalPlan
        fields = [
            "id",
            "municipality",
            "office",
            "stage",
            "stage_date",
            "diagnostic_started_on",
            "diagnostic_done_on",
            "plan_approved_on",
            "gender_actions",
            *REVIEW_FIELDS,
        ]


class ReviewActionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="submit: el motivo, cuando una regla lo pide (un taller sin asistentes); "
        "approve/return: las observaciones de la coordinación (obligatorias al devolver).",
    )


class ReviewResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review_state = serializers.CharField()
    review_comment = serializers.CharField(allow_blank=True)


class FigureRowSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True)
    values = serializers.DictField(child=serializers.FloatField())
    pending = serializers.DictField(child=serializers.FloatField(), help_text=_("Pendiente de revisión, al lado."))


class FiguresSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    review = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())
    total = serializers.DictField(child=serializers.FloatField())
    pending = serializers.DictField(child=serializers.FloatField(), help_text=_("Pendiente de revisión, al lado."))
    rows = FigureRowSerializer(many=True)
