"""Where the workshop indicators come from (registered with indicators.registry at start-up)."""

from indicators.disaggregation import Sex
from indicators.registry import IndicatorKey as K
from indicators.registry import Source, register
from workshops.models import Attendance, Workshop, WorkshopStatus


def register_sources() -> None:
    held = (("workshop__status", WorkshopStatus.HELD),)
    at = ("workshop__municipality", "workshop__start_date")
    people = {"sex_path": "participant__sex", "age_path": "participant__age_group"}
    reviewed = {"review_path": "workshop__review_state"}  # attendance is reviewed with its workshop
    register(
        K.WORKSHOPS_HELD, Source(Workshop, "municipality", "start_date", "count", (("status", WorkshopStatus.HELD),))
    )
    register(
        K.TRAINING_HOURS,
        Source(Workshop, "municipality", "start_date", "sum:hours", (("status", WorkshopStatus.HELD),)),
    )
    # Counted through participant_id: with the workshop and the participant, all a figure reads of
    # an attendance row, a year of attendance is read from the (workshop, participant) index alone.
    register(K.ATTENDANCES, Source(Attendance, *at, "count:participant", held, **reviewed))
    register(K.PARTICIPANTS, Source(Attendance, *at, "distinct:participant", held, **people, **reviewed))
    register(
        K.PARTICIPANTS_WOMEN,
        Source(Attendance, *at, "distinct:participant", (*held, ("participant__sex", Sex.FEMALE)), **reviewed),
    )
    register(
        K.PARTICIPANTS_MEN,
        Source(Attendance, *at, "distinct:participant", (*held, ("participant__sex", Sex.MALE)), **reviewed),
    )
    register(
        K.PARTICIPANTS_SEX_UNKNOWN,
        Source(Attendance, *at, "distinct:participant", (*held, ("participant__sex", Sex.UNKNOWN)), **reviewed),
    )
