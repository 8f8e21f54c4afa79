"""Sign-in sheet uploads never become temporary files (nothing can be left behind on any path)."""

import io

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from tests import factories
from workshops.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # Django would write anything bigger to a temp file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def test_a_big_upload_stays_in_memory_cut_one_byte_over_the_limit(small_limits):
    body = io.BytesIO(b"x" * 50_000)
    body.name = "hoja.csv"
    request = RequestFactory().post("/", {"file": body})
    upload = request.FILES["file"]  # parsed now, with the configured upload handlers
    assert isinstance(upload, InMemoryUploadedFile)
    assert upload.size == 1001
    assert list(small_limits.iterdir()) == []  # no temporary file, even while the upload is open


def test_the_import_page_refuses_it_and_a_file_within_the_limit_works(client, office_a, staff_a, small_limits):
    workshop = factories.workshop(office_a)
    client.force_login(staff_a)
    big = io.BytesIO(factories.sheet_csv([("Ana", "Paz", "Mujer", "18-29", "", "")] * 200).encode())
    big.name = "hoja.csv"
    response = client.post(reverse("workshops:import", args=[workshop.pk]), {"file": big}, follow=True)
    assert "supera el tamaño máximo" in response.content.decode()
    small = io.BytesIO(factories.sheet_csv([("Ana", "Paz", "Mujer", "18-29", "", "")]).encode())
    small.name = "hoja.csv"
    response = client.post(reverse("workshops:import", args=[workshop.pk]), {"file": small})
    assert response.status_code == 302 and response.url.endswith("/vista-previa/")
    assert list(small_limits.iterdir()) == [] and Participant.objects.count() == 0
