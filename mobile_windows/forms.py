"""Forms of the mobile-window pages: they validate input; the services in services.py write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from geography.models import Municipality
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup, Sex
from mobile_windows.models import MobileWindow, School, WindowSession
from mobile_windows.services import grid_cells


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["mined_code", "name", "municipality", "address"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = (
            Municipality.objects.visible_to(user).select_related("department").order_by("name")
        )

    def validate_unique(self):
        """The service reports a duplicate MINED code with a clearer message."""


class WindowForm(forms.ModelForm):
    class Meta:
        model = MobileWindow
        fields = ["school", "site_name", "municipality", "installed_on", "removed_on", "status"]
        widgets = {"installed_on": DateInput(), "removed_on": DateInput()}
        help_texts = {
            "site_name": _("Solo si la ventanilla no está en un centro escolar."),
            "municipality": _("Solo para otro lugar: con centro escolar se usa el municipio del centro."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (
            School.objects.visible_to(user).select_related("municipality").order_by("name", "mined_code")
        )
        self.fields["municipality"].queryset = (
            Municipality.objects.visible_to(user).select_related("department").order_by("name")
        )
        self.fields["municipality"].required = False

    def _post_clean(self):
        """Model validation happens in the service (it knows the user and the school's municipality)."""


def cell_field_name(sex: str, group: str) -> str:
    return f"reach_{sex}_{GRID_AGE_GROUPS.index(group)}"


class SessionForm(forms.ModelForm):
    """A window session with its people-reached grid (one whole-number field per sex × age group)."""

    confirm_zero = forms.BooleanField(
        label=_("Confirmo que en esta jornada no se alcanzó a ninguna persona"), required=False
    )

    class Meta:
        model = WindowSession
        fields = [
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
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
            "materials_handed_out": forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}),
            "referrals": forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, counts=None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.fields["materials_handed_out"].required = False
        self.fields["referrals"].required = False
        for sex, group in grid_cells():
            self.fields[cell_field_name(sex, group)] = forms.IntegerField(
                label=f"{Sex(sex).label}, {AgeGroup(group).label}",
                min_value=0,
                required=False,
                initial=counts.get((sex, group)) or None,
                error_messages={
                    "min_value": _("No puede ser negativo."),
                    "invalid": _("Escriba un número entero."),
                },
                widget=forms.NumberInput(
                    attrs={"min": "0", "step": "1", "inputmode": "numeric", "class": "grid-cell", "placeholder": "0"}
                ),
            )

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is not None and hours < 0:
            raise forms.ValidationError(_("No puede ser negativo."))
        return hours

    def _post_clean(self):
        """Model validation happens in the service, which also checks the window's dates."""

    def grid_rows(self):
        """[(age-group label, [bound field per sex])]: one row per age group fits a phone screen."""
        return [
            (AgeGroup(group).label, [self[cell_field_name(sex, group)] for sex in GRID_SEXES])
            for group in GRID_AGE_GROUPS
        ]

    @staticmethod
    def grid_headers():
        return [Sex(sex).label for sex in GRID_SEXES]

    def grid_errors(self):
        return [error for sex, group in grid_cells() for error in self[cell_field_name(sex, group)].errors]

    def counts(self) -> dict[tuple[str, str], int]:
        return {(sex, group): self.cleaned_data.get(cell_field_name(sex, group)) or 0 for sex, group in grid_cells()}

    def session_values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields}
        values["materials_handed_out"] = values["materials_handed_out"] or 0
        values["referrals"] = values["referrals"] or 0
        return values | {"zero_confirmed": data.get("confirm_zero", False)}
