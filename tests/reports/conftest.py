import datetime
from decimal import Decimal

import pytest

from indicators.disaggregation import AgeGroup, Sex
from indicators.figures import IndicatorKey as K
from tests import factories


@pytest.fixture
def known(office_a, office_y):
    """A small data set whose figures are counted by hand in the tests.

    2026 (the reported year): San Salvador m1 — w1 (4 h: Ana, Bea, Luis), a cancelled
    workshop (Bea, not counted), a window session reaching 7 girls 0–11 and 5 boys 12–17;
    San Salvador m2 — w2 (2 h: Ana), one technical assistance; Santa Ana m3 — w3 (3 h: Carla),
    one table meeting. 2025: m1 — w5 (6 h: Ana, Luis) and a session reaching 3 adult women.
    Targets 2026: m1 4 workshops and 10 participants, m2 2 workshops.
    """
    m1 = factories.pess_municipality(office_a, 0)
    m2 = factories.pess_municipality(office_a, 1)
    m3 = factories.pess_municipality(office_y, 0)
    plus = factories.institution(m1, name="+Instituto de prueba")
    ana = factories.participant(office_a, first_names="Ana", sex=Sex.FEMALE, age_group=AgeGroup.ADULT)
    bea = factories.participant(
        office_a, first_names="Bea", last_names='=HYPERLINK("http://x")', sex=Sex.FEMALE, age_group=AgeGroup.YOUTH
    )
    luis = factories.participant(
        office_a, first_names="Luis", sex=Sex.MALE, age_group=AgeGroup.ADULT, institution=plus, phone="7777-0000"
    )
    carla = factories.participant(office_y, first_names="Carla", sex=Sex.FEMALE, age_group=AgeGroup.ADULT)
    day = datetime.date
    w1 = factories.workshop(office_a, m1, hours=Decimal(4), start_date=day(2026, 3, 10), end_date=day(2026, 3, 10))
    w2 = factories.workshop(office_a, m2, hours=Decimal(2), start_date=day(2026, 4, 2), end_date=day(2026, 4, 2))
    w3 = factories.workshop(office_y, m3, hours=Decimal(3), start_date=day(2026, 5, 5), end_date=day(2026, 5, 5))
    w4 = factories.workshop(office_a, m1, status="cancelled", start_date=day(2026, 3, 20), end_date=day(2026, 3, 20))
    w5 = factories.workshop(office_a, m1, hours=Decimal(6), start_date=day(2025, 6, 1), end_date=day(2025, 6, 1))
    for w, people in ((w1, [ana, bea, luis]), (w2, [ana]), (w3, [carla]), (w4, [bea]), (w5, [ana, luis])):
        for p in people:
            factories.attendance(w, p)
    window = factories.window(office_a, m1)
    factories.session(
        window, counts={(Sex.FEMALE, AgeGroup.CHILD): 7, (Sex.MALE, AgeGroup.ADOLESCENT): 5}, date=day(2026, 3, 12)
    )
    factories.session(window, counts={(Sex.FEMALE, AgeGroup.ADULT): 3}, date=day(2025, 3, 12))
    factories.assistance(office_a, m2, date=day(2026, 3, 7))
    factories.meeting(office_y, m3, date=day(2026, 3, 5))
    factories.target(m1, 2026, K.WORKSHOPS_HELD, 4)
    factories.target(m2, 2026, K.WORKSHOPS_HELD, 2)
    factories.target(m1, 2026, K.PARTICIPANTS, 10)
    factories.approve_all()
    return {"m1": m1, "m2": m2, "m3": m3, "ana": ana, "bea": bea, "luis": luis, "carla": carla}
