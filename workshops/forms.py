from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import normalize_dui, validate_dui
from core.widgets import DateInput
from geography.models import Municipality, ThematicTable
from indicators.disaggregation import AgeGroup, Sex
from workshops.models import Workshop, WorkshopStatus


class WorkshopForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        label=_("Sí, es otro taller distinto con el mismo título, día y municipio"), required=False
    )

    class Meta:
        model = Workshop
        fields = [*Workshop.RECORD_FIELDS, "status"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        department_id = user.office.department_id if user.office_id else None
        # Only the municipalities of the user's office's department, in alphabetical order.
        self.fields["municipality"].queryset = Municipality.objects.filter(department_id=department_id).order_by("name")
        self.fields["thematic_table"].queryset = ThematicTable.objects.all()
        for name in ("start_date", "end_date"):
            self.fields[name].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fecha de finalización no puede ser anterior a la de inicio."))
        hours = data.get("hours")
        if hours is not None and hours <= 0:
            self.add_error("hours", _("Indique las horas de duración (mayor que cero)."))
        return data


class ListFilterForm(forms.Form):
    VIEWS = [
        ("", _("Todos")),
        ("upcoming", _("Próximos")),
        ("recent", _("Recientes")),
        ("no_attendance", _("Sin asistencia registrada")),
    ]
    q = forms.CharField(label=_("Buscar por título"), required=False)
    view = forms.ChoiceField(label=_("Mostrar"), choices=VIEWS, required=False)
    municipality = forms.ModelChoiceField(label=_("Municipio"), queryset=Municipality.objects.none(), required=False)
    month = forms.CharField(
        label=_("Mes"), required=False, widget=forms.DateInput(attrs={"type": "month", "placeholder": "aaaa-mm"})
    )
    status = forms.ChoiceField(label=_("Estado"), choices=[("", _("Todos")), *WorkshopStatus.choices], required=False)
    table = forms.ModelChoiceField(label=_("Mesa temática"), queryset=ThematicTable.objects.all(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.visible_to(user).order_by("name")

    def clean_month(self):
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.split("-"))
            if not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(_("Use el formato aaaa-mm.")) from None
        return (year, month)


class NewParticipantForm(forms.Form):
    first_names = forms.CharField(label=_("Nombres"), max_length=100)
    last_names = forms.CharField(label=_("Apellidos"), max_length=100)
    sex = forms.ChoiceField(label=_("Sexo"), choices=[("", "—"), *Sex.choices])
    age_group = forms.ChoiceField(label=_("Grupo de edad"), choices=[("", "—"), *AgeGroup.choices])
    institution = forms.CharField(label=_("Institución"), max_length=200, required=False)
    dui = forms.CharField(label=_("DUI (opcional)"), max_length=12, required=False)
    position = forms.CharField(label=_("Cargo"), max_length=120, required=False)
    phone = forms.CharField(label=_("Teléfono"), max_length=32, required=False)
    email = forms.EmailField(label=_("Correo"), required=False)
    consent = forms.BooleanField(label=_("Consiente que se conserven sus datos"), required=False)
    not_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_dui(self):
        value = normalize_dui(self.cleaned_data.get("dui") or "")
        if value:
            validate_dui(value)
        return value


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("Pegue aquí las filas copiadas de Excel o LibreOffice (con la fila de encabezados)"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Archivo CSV o XLSX"))


class CheckInForm(forms.Form):
    """The participant's own form (QR self check-in): short, for a phone, nothing looked up."""

    first_names = forms.CharField(
        label=_("Nombres"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_names = forms.CharField(
        label=_("Apellidos"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    sex = forms.ChoiceField(label=_("Sexo"), choices=[("", "—"), *Sex.choices])
    age_group = forms.ChoiceField(label=_("Grupo de edad"), choices=[("", "—"), *AgeGroup.choices])
    institution = forms.CharField(
        label=_("Institución u organización (opcional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    dui = forms.CharField(
        label=_("DUI (opcional)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "00000000-0"}),
    )
    consent = forms.BooleanField(
        label=_("He leído el aviso de privacidad y acepto que el ISDEMU registre mis datos."),
        error_messages={"required": _("Para registrarse debe aceptar el aviso de privacidad.")},
    )

    def clean_dui(self):
        value = normalize_dui(self.cleaned_data.get("dui") or "")
        if value:
            validate_dui(value)
        return value

    def clean(self):
        data = super().clean()
        for name in ("first_names", "last_names"):
            if name in data and not data[name].strip():
                self.add_error(name, _("Este campo es obligatorio."))
        return data
