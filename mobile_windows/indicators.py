"""Where the mobile-window indicators come from (registered with indicators.registry at start-up)."""

from indicators.disaggregation import Sex
from indicators.registry import IndicatorKey as K
from indicators.registry import Source, register
from mobile_windows.models import ReachCount, WindowSession


def register_sources() -> None:
    cells = (ReachCount, "session__window__municipality", "session__date", "sum:count")
    reviewed = {"review_path": "session__review_state"}  # counts are reviewed with their session
    register(K.WINDOW_SESSIONS, Source(WindowSession, "window__municipality", "date", "count"))
    register(K.PEOPLE_REACHED, Source(*cells, sex_path="sex", age_path="age_group", **reviewed))
    register(K.PEOPLE_REACHED_WOMEN, Source(*cells, (("sex", Sex.FEMALE),), **reviewed))
    register(K.PEOPLE_REACHED_MEN, Source(*cells, (("sex", Sex.MALE),), **reviewed))
    register(K.PEOPLE_REACHED_SEX_UNKNOWN, Source(*cells, (("sex", Sex.UNKNOWN),), **reviewed))
    register(K.SCHOOLS_COVERED, Source(WindowSession, "window__municipality", "date", "distinct:window__school"))
