"""Municipal and departmental boundaries, projected for drawing (SVG on pages, ReportLab in PDFs).

The GeoJSON files in `geography/data/` (sources and licence in `data/SOURCES.md`) hold the 262
pre-2024 municipalities and the 14 departments in WGS84 longitude/latitude. This module reads them
once per process (cached), projects them to a plane and simplifies them:

- **projection**: equirectangular with the longitude scaled by cos(latitude) at the country's middle
  latitude (El Salvador spans 1.3° of latitude, so the distortion is below 1 %); y grows downwards
  (SVG convention) and the country fills `WIDTH` units across;
- **simplification** that keeps shared borders shared: every ring is cut at its junctions (a vertex
  where three or more borders meet, or where a shared border meets the coast), each arc between two
  junctions is simplified once with Douglas–Peucker (`TOLERANCE` units) and both neighbours reuse
  the same simplified arc, so no gaps or overlaps appear between municipalities; then coordinates are
  rounded to `PRECISION` decimals.

Public API (all results cached; shapes are keyed by the official 4-digit municipality code
`Municipality.code`, departments by their DIGESTYC code `Department.code`):

- `municipality_shapes()` / `department_shapes()` → {code: Shape} (name, department code, rings of
  (x, y) points: for ReportLab or any other drawing);
- `municipality_paths()` / `department_paths()` → {code: SVG path data "M…z"};
- `VIEWBOX` → (x, y, width, height) of the whole country; `bbox_for(department_code)` → the
  viewBox of one department with a margin (for zooming), `bbox_of(codes)` for any set of
  municipalities;
- `codes_by_id(municipalities)` → {Municipality.pk: code} for the rows given, raising
  `BoundaryMismatch` when a row has no shape (reference data and boundaries always match: 262/262).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_FILE = DATA_DIR / "sv_municipios_262.geojson"
DEPARTMENTS_FILE = DATA_DIR / "sv_departamentos.geojson"

WIDTH = 1000  # projected units across the country (the SVG viewBox width)
TOLERANCE = 1.0  # Douglas–Peucker tolerance in projected units (1 unit ≈ 260 m)
PRECISION = 1  # decimals kept in the projected coordinates
MARGIN = 8  # units around the country in VIEWBOX and around a department in bbox_for

Point = tuple[float, float]
Ring = tuple[Point, ...]


class BoundaryMismatch(Exception):
    """A municipality row has no boundary (or the other way round)."""


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    department_code: str
    rings: tuple[Ring, ...]  # closed rings (first point not repeated), outer rings and holes alike

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y)."""
        xs = [x for ring in self.rings for x, _ in ring]
        ys = [y for ring in self.rings for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def path(self) -> str:
        return _path_data(self.rings)


@dataclass(frozen=True)
class _Boundaries:
    municipalities: dict[str, Shape]
    departments: dict[str, Shape]
    viewbox: tuple[float, float, float, float]


# --- reading and projecting ------------------------------------------------------------------


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["features"]


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise BoundaryMismatch(f"Geometría no admitida: {geometry['type']}")


def _rings_lonlat(feature: dict) -> list[list[tuple[float, float]]]:
    rings = []
    for polygon in _polygons(feature["geometry"]):
        for ring in polygon:
            points = [(round(lon, 6), round(lat, 6)) for lon, lat in ring]
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            rings.append(points)
    return rings


class _Projection:
    def __init__(self, rings):
        lons = [lon for ring in rings for lon, _ in ring]
        lats = [lat for ring in rings for _, lat in ring]
        self.lon0, self.lat1 = min(lons), max(lats)
        self.kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
        self.scale = WIDTH / ((max(lons) - self.lon0) * self.kx)
        self.height = (max(lats) - min(lats)) * self.scale

    def __call__(self, lon: float, lat: float) -> Point:
        return ((lon - self.lon0) * self.kx * self.scale, (self.lat1 - lat) * self.scale)


# --- topology-preserving simplification ------------------------------------------------------


def _douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the first and last point; drop points closer than `tolerance` to the simplified line."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, index = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            distance = math.hypot(px - x1, py - y1) if length == 0 else abs(dy * (px - x1) - dx * (py - y1)) / length
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _junctions(all_rings: list[list[Point]]) -> set[Point]:
    """Vertices whose number of distinct neighbours is not two: where borders meet or part."""
    neighbours: dict[Point, set[Point]] = {}
    for ring in all_rings:
        n = len(ring)
        for i, point in enumerate(ring):
            bucket = neighbours.setdefault(point, set())
            bucket.add(ring[i - 1])
            bucket.add(ring[(i + 1) % n])
    return {point for point, near in neighbours.items() if len(near) != 2}


def _simplify_rings(all_rings: list[list[Point]], tolerance: float) -> list[list[Point] | None]:
    """Simplify every ring, the arcs shared by two rings identically. A ring that collapses
    (fewer than three points) comes back as None."""
    junctions = _junctions(all_rings)
    arcs: dict[tuple[Point, ...], list[Point]] = {}

    def simplified_arc(arc: list[Point]) -> list[Point]:
        key = tuple(arc)
        reverse = key[::-1]
        canonical = min(key, reverse)
        if canonical not in arcs:
            arcs[canonical] = _douglas_peucker(list(canonical), tolerance)
        result = arcs[canonical]
        return result if canonical == key else result[::-1]

    out = []
    for ring in all_rings:
        fixed = [i for i, p in enumerate(ring) if p in junctions]
        if not fixed:  # an island or a hole: start at a canonical point so both sides agree
            start = min(range(len(ring)), key=ring.__getitem__)
            fixed = [start]
        start = fixed[0]
        rotated = ring[start:] + ring[:start]
        cuts = [i - start for i in fixed] + [len(ring)]
        closed = [*rotated, rotated[0]]
        points: list[Point] = []
        for a, b in itertools.pairwise(cuts):
            part = simplified_arc(closed[a : b + 1])
            points.extend(part[:-1])
        if len(fixed) == 1 and len(points) < 4:  # keep small islands recognisable
            points = _douglas_peucker(closed, tolerance / 4)[:-1]
        out.append(points if len(points) >= 3 else None)
    return out


def _round_ring(ring: list[Point]) -> Ring:
    rounded: list[Point] = []
    for x, y in ring:
        point = (round(x, PRECISION), round(y, PRECISION))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    return tuple(rounded)


def _shapes(layers: list[tuple[list[dict], str]], project: _Projection) -> list[dict[str, Shape]]:
    """Project and simplify several layers at once: their common borders (a department's edge is
    its municipalities' edge) get the same junctions, so they are simplified identically."""
    rings_of = [
        [[[project(lon, lat) for lon, lat in ring] for ring in _rings_lonlat(f)] for f in features]
        for features, _key in layers
    ]
    flat = [ring for layer in rings_of for rings in layer for ring in rings]
    simplified = iter(_simplify_rings(flat, TOLERANCE))
    result = []
    for (features, department_key), layer in zip(layers, rings_of, strict=True):
        shapes = {}
        for feature, rings in zip(features, layer, strict=True):
            kept = []
            for _original in rings:
                ring = next(simplified)
                if ring is None:
                    continue
                ring = _round_ring(ring)
                if len(ring) >= 3:
                    kept.append(ring)
            if not kept:  # never lose a municipality: fall back to its unsimplified outer ring
                kept = [_round_ring(rings[0])]
            props = feature["properties"]
            shapes[props["code"]] = Shape(
                code=props["code"],
                name=props["name"],
                department_code=props[department_key],
                rings=tuple(kept),
            )
        result.append(shapes)
    return result


@functools.cache
def _boundaries() -> _Boundaries:
    municipal_features = _read(MUNICIPALITIES_FILE)
    department_features = _read(DEPARTMENTS_FILE)
    project = _Projection([ring for f in municipal_features for ring in _rings_lonlat(f)])
    municipalities, departments = _shapes(
        [(municipal_features, "department_code"), (department_features, "code")], project
    )
    viewbox = (-MARGIN, -MARGIN, WIDTH + 2 * MARGIN, round(project.height + 2 * MARGIN, 1))
    return _Boundaries(municipalities, departments, viewbox)


# --- public API ------------------------------------------------------------------------------


def municipality_shapes() -> dict[str, Shape]:
    """{official 4-digit code: Shape} for the 262 municipalities."""
    return _boundaries().municipalities


def department_shapes() -> dict[str, Shape]:
    """{DIGESTYC department code: Shape} for the 14 departments."""
    return _boundaries().departments


@functools.cache
def municipality_paths() -> dict[str, str]:
    """{official 4-digit code: SVG path data}."""
    return {code: shape.path for code, shape in municipality_shapes().items()}


@functools.cache
def department_paths() -> dict[str, str]:
    """{DIGESTYC department code: SVG path data}."""
    return {code: shape.path for code, shape in department_shapes().items()}


def viewbox() -> tuple[float, float, float, float]:
    """(x, y, width, height) of the whole country with a margin."""
    return _boundaries().viewbox


def bbox_of(codes, margin: float = MARGIN) -> tuple[float, float, float, float]:
    """The viewBox (x, y, width, height) around the municipalities `codes`, with `margin` units."""
    shapes = municipality_shapes()
    boxes = [shapes[code].bbox for code in codes]
    if not boxes:
        return viewbox()
    x0, y0 = min(b[0] for b in boxes) - margin, min(b[1] for b in boxes) - margin
    x1, y1 = max(b[2] for b in boxes) + margin, max(b[3] for b in boxes) + margin
    return (round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1))


def bbox_for(department_code: str, margin: float = MARGIN) -> tuple[float, float, float, float]:
    """The viewBox (x, y, width, height) of one department (DIGESTYC code, e.g. "06"), for zooming."""
    shape = department_shapes().get(department_code)
    if shape is None:
        raise BoundaryMismatch(f"Departamento sin límites: {department_code}")
    x0, y0, x1, y1 = shape.bbox
    return (
        round(x0 - margin, 1),
        round(y0 - margin, 1),
        round(x1 - x0 + 2 * margin, 1),
        round(y1 - y0 + 2 * margin, 1),
    )


def codes_by_id(municipalities) -> dict[int, str]:
    """{Municipality.pk: boundary code} for `municipalities` (rows or a queryset).

    Rows are matched by their official code (`Municipality.code`, the GeoJSON's `code`); a row
    without a boundary raises BoundaryMismatch, so a new or re-coded municipality cannot silently
    disappear from the map.
    """
    shapes = municipality_shapes()
    matched = {}
    for municipality in municipalities:
        if municipality.code not in shapes:
            raise BoundaryMismatch(f"Municipio sin límites en el mapa: {municipality.code} {municipality.name}")
        matched[municipality.pk] = municipality.code
    return matched


# --- SVG path data ---------------------------------------------------------------------------


def _number(value: float) -> str:
    text = f"{value:.{PRECISION}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _path_data(rings) -> str:
    """Absolute move, then relative lines: "M x y l dx dy dx dy …z" per ring."""
    parts = []
    for ring in rings:
        (x, y), rest = ring[0], ring[1:]
        moves = [f"M{_number(x)} {_number(y)}l"]
        px, py = x, y
        steps = []
        for qx, qy in rest:
            steps.append(f"{_number(qx - px)} {_number(qy - py)}")
            px, py = qx, qy
        parts.append(moves[0] + " ".join(steps) + "z")
    return "".join(parts)
