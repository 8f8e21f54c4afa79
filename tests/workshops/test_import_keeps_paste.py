"""'Cargar otro archivo' after a pasted sheet keeps the pasted text, to fix it instead of retyping."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_pasted_text_comes_back_to_be_fixed(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    text = factories.sheet_csv([("Ana", "Rivas", "Quizás", "18-29", "", "")], sep="\t")
    client.post(reverse("workshops:import", args=[w.pk]), {"text": text})
    page = client.get(reverse("workshops:import", args=[w.pk])).content.decode()
    assert "Quizás" in page and "Rivas" in page
    # Cancelling forgets it.
    client.post(reverse("workshops:import_preview", args=[w.pk]), {"cancel": "1"})
    assert "Quizás" not in client.get(reverse("workshops:import", args=[w.pk])).content.decode()
