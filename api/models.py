from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The answer to a create request sent with a client-generated UUID (`client_uuid`).

    A key table rather than a `client_uuid` column on Attendance, Participant and WindowSession:
    the three creates share one mechanism, the field-record apps and their migrations stay
    untouched, and the stored answer lets a repeat get the very same response body (even when the
    first request created two rows, a participant and their attendance). A key belongs to the user
    who sent it; the same key with a different body is refused (409).
    """

    key = models.UUIDField(_("clave"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(_("operación"), max_length=64)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(_("creado el"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("clave de idempotencia")
        verbose_name_plural = _("claves de idempotencia")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]

    def __str__(self):
        return str(self.key)
