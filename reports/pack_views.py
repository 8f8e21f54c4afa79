"""«Paquete mensual de informes» (Mi cuenta): subscribe, change the format, unsubscribe.

Coordinators and managers only (core.permissions: Action.RECEIVE_PACKS); anyone else gets 403
and does not see the link on «Mi cuenta». Writes go through reports.packs.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from reports import packs
from reports.models import PackFormat


class PackForm(forms.Form):
    table_format = forms.ChoiceField(
        label=gettext_lazy("Formato de las cifras"), choices=PackFormat.choices, widget=forms.RadioSelect
    )


@login_required
def monthly_pack(request):
    user = request.user
    if not packs.may_subscribe(user):
        raise PermissionDenied(_("El paquete mensual de informes es para la coordinación departamental y la gerencia."))
    subscription = packs.subscription_of(user)
    initial = {"table_format": subscription.table_format if subscription else PackFormat.XLSX}
    form = PackForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe":
            packs.unsubscribe(user=user)
            messages.success(request, _("Ya no recibirá el paquete mensual."))
            return redirect("reports:monthly_pack")
        if form.is_valid():
            try:
                packs.subscribe(user=user, table_format=form.cleaned_data["table_format"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Suscripción guardada: el 1.º de cada mes recibirá el paquete del mes anterior."),
                )
                return redirect("reports:monthly_pack")
    return render(
        request,
        "reports/monthly_pack.html",
        {"form": form, "subscription": subscription, "packs": packs.packs_of(user)},
    )
