"""One domain error for every refused write: a stable code for code and tests, a message for people."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A write that the domain refuses.

    `code` is stable (tests and the API match on it), `message` is for people (Spanish, translatable),
    `field` names the form or API field it concerns (None: the whole record). `candidates` carries
    the records a duplicate check found; `errors` the per-row messages of a refused file.
    """

    def __init__(self, code: str, message="", field: str | None = None, *, candidates=None, errors=None):
        self.code = code
        self.message = message or code
        self.field = field
        self.candidates = list(candidates or [])
        self.errors = list(errors) if errors else [self.message]
        super().__init__(str(self.message))


def full_clean_or_raise(obj, exclude=None) -> None:
    """Run the model's validation; its first message becomes a DomainError on that field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError("invalid", messages[0], field=None if field == "__all__" else field) from exc


def assign_and_save(obj, fields: dict, *, exclude=None, update_fields=None) -> None:
    """The one write step of every record service: set the fields, validate, save."""
    for name, value in fields.items():
        setattr(obj, name, value)
    full_clean_or_raise(obj, exclude=exclude)
    obj.save(update_fields=update_fields)
