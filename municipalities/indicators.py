"""Where the assistance and thematic-table indicators come from (registered at start-up)."""

from indicators.registry import IndicatorKey as K
from indicators.registry import Source, register
from municipalities.models import TableMeeting, TechnicalAssistance


def register_sources() -> None:
    register(K.ASSISTANCE_ACTIONS, Source(TechnicalAssistance, "municipality", "date", "count"))
    register(K.INSTITUTIONS_ASSISTED, Source(TechnicalAssistance, "municipality", "date", "distinct:institution"))
    register(K.TABLE_MEETINGS, Source(TableMeeting, "municipality", "date", "count"))
