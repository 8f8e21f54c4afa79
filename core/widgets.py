"""Form widgets shared by the record forms of every app."""

from django import forms


class DateInput(forms.DateInput):
    """A date typed as dd/mm/aaaa whatever the browser's language (a native picker would follow it)."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": "dd/mm/aaaa", "inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")
