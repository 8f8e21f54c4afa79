# English uses the same dd/mm/aaaa dates and number formats as Spanish (one definition).
from pess_tracker.formats.es.formats import *  # noqa: F403
