"""Forms of the staff pages: they validate input; the services in services.py write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import User
from core.permissions import FIELD_TEAM
from core.widgets import DateInput
from geography.models import Institution, InstitutionKind, Municipality
from municipalities.models import FollowUpAction, MunicipalPlan, PlanStage, TableMeeting, TechnicalAssistance


def _municipalities(user):
    return Municipality.objects.visible_to(user).select_related("department").order_by("name")


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (PESS)" if obj.pess_phase else obj.name


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class MeetingForm(forms.ModelForm):
    municipality = MunicipalityChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())
    isdemu_participants = StaffChoiceField(
        label=_("Personal ISDEMU presente"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TableMeeting
        fields = ["municipality", "table", "date", "isdemu_participants", "agreements", "follow_up"]
        widgets = {
            "date": DateInput(),
            "agreements": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _municipalities(user)
        department_id = user.office.department_id if user.office_id else None
        self.fields["isdemu_participants"].queryset = (
            User.objects.filter(is_active=True, office__department_id=department_id, role__in=FIELD_TEAM)
            .select_related("office")
            .order_by("first_name", "username")
        )
        if self.instance.pk is None and user.office_id:
            self.initial.setdefault("isdemu_participants", [user.pk])

    def _post_clean(self):
        """Model validation happens in the service."""


class FollowUpActionForm(forms.ModelForm):
    class Meta:
        model = FollowUpAction
        fields = ["description", "responsible", "due_date"]
        widgets = {"due_date": DateInput()}

    def _post_clean(self):
        """Model validation happens in the service."""


class AssistanceForm(forms.ModelForm):
    """Technical assistance; the institution is picked from the registry or created here if missing."""

    municipality = MunicipalityChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())
    institution = forms.ModelChoiceField(
        label=_("Institución"),
        queryset=Institution.objects.none(),
        required=False,
        help_text=_("Si no está en la lista, escriba su nombre abajo y se registrará."),
    )
    new_institution_name = forms.CharField(label=_("Nueva institución: nombre"), max_length=200, required=False)
    new_institution_kind = forms.ChoiceField(
        label=_("Nueva institución: tipo"), choices=InstitutionKind.choices, initial=InstitutionKind.GOVERNMENT
    )

    class Meta:
        model = TechnicalAssistance
        fields = [
            "municipality",
            "institution",
            "new_institution_name",
            "new_institution_kind",
            "date",
            "topic",
            "hours",
            "outcome",
        ]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = _municipalities(user)
        self.fields["municipality"].queryset = municipalities
        # Institutions of the user's department (and national ones with no municipality).
        department_id = user.office.department_id if user.office_id else None
        institutions = Institution.objects.select_related("municipality").order_by("name")
        if department_id is not None:
            institutions = institutions.filter(municipality__department_id=department_id) | institutions.filter(
                municipality__isnull=True
            )
        self.fields["institution"].queryset = institutions

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is not None and hours <= 0:
            raise forms.ValidationError(_("Las horas deben ser mayores que cero."))
        return hours

    def clean(self):
        data = super().clean()
        if not data.get("institution") and not (data.get("new_institution_name") or "").strip():
            self.add_error("institution", _("Elija una institución o escriba el nombre de una nueva."))
        return data

    def _post_clean(self):
        """Model validation happens in the service."""


class PlanForm(forms.ModelForm):
    municipality = MunicipalityChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())

    class Meta:
        model = MunicipalPlan
        fields = ["municipality", "gender_actions"]
        widgets = {"gender_actions": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _municipalities(user).pess().filter(plan__isnull=True)
        if self.instance.pk:
            del self.fields["municipality"]

    def _post_clean(self):
        """Model validation happens in the service."""


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Nueva etapa"), choices=PlanStage.choices)
    date = forms.DateField(label=_("Fecha del cambio"), widget=DateInput())
    note = forms.CharField(label=_("Nota"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(v, label) for v, label in PlanStage.choices if v != plan.stage]
        order = list(PlanStage.values)
        following = order.index(plan.stage) + 1
        if following < len(order):
            self.fields["to_stage"].initial = order[following]
