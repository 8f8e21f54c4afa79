"""The boundaries shipped in geography/data match the reference data and stay a clean map once simplified."""

from collections import Counter

import pytest

from geography import boundaries
from geography.models import Department, Municipality


def _edges(shapes):
    counts = Counter()
    for shape in shapes.values():
        for ring in shape.rings:
            for i in range(len(ring)):
                counts[frozenset((ring[i - 1], ring[i]))] += 1
    return counts


def test_every_municipality_of_the_reference_data_has_exactly_one_shape(ref):
    municipalities = list(Municipality.objects.select_related("department"))
    assert len(municipalities) == 262
    matched = boundaries.codes_by_id(municipalities)
    assert len(matched) == 262
    assert set(matched.values()) == set(boundaries.municipality_shapes())
    shapes = boundaries.municipality_shapes()
    for municipality in municipalities:
        assert shapes[municipality.code].department_code == municipality.department.code
        assert boundaries.municipality_paths()[municipality.code].startswith("M")
    assert set(boundaries.department_shapes()) == set(Department.objects.values_list("code", flat=True))


def test_a_row_without_a_boundary_is_refused_not_dropped(ref):
    municipality = Municipality(pk=999999, code="9999", name="Inventado")
    with pytest.raises(boundaries.BoundaryMismatch):
        boundaries.codes_by_id([municipality])


def test_simplified_borders_stay_shared_and_the_paths_stay_small():
    municipal = _edges(boundaries.municipality_shapes())
    # No gaps or overlaps: a border is drawn by at most its two neighbours, with the same points,
    # and every department border is a municipal border.
    assert max(municipal.values()) == 2
    assert set(_edges(boundaries.department_shapes())) <= set(municipal)
    vertices = sum(len(ring) for shape in boundaries.municipality_shapes().values() for ring in shape.rings)
    assert 3000 < vertices < 9277  # simplified, but still a map
    size = sum(len(path) for path in boundaries.municipality_paths().values())
    assert size < 60_000


def test_zoom_boxes_lie_inside_the_country():
    x, y, width, height = boundaries.viewbox()
    assert width == 1016 and 500 < height < 620
    for code in boundaries.department_shapes():
        bx, by, bw, bh = boundaries.bbox_for(code)
        assert x <= bx and y <= by and bx + bw <= x + width and by + bh <= y + height
        assert 0 < bw < width and 0 < bh < height
    assert boundaries.bbox_of(["0614"])[2] < boundaries.bbox_for("06")[2]
    with pytest.raises(boundaries.BoundaryMismatch):
        boundaries.bbox_for("99")
