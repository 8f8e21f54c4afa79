"""Draw the app's icons (static/icons/pess-<size>.png) with the standard library only (no Pillow):
the site's purple with a white ring and check mark. Run once; the PNGs are committed.

    python scripts/make_icons.py
"""

import math
import struct
import zlib
from pathlib import Path

PURPLE = (0x5B, 0x2A, 0x86)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def _segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def pixel(x, y, size):
    """White on the ring and on the check mark, purple elsewhere (maskable: content in the middle 60 %)."""
    u, v = (x + 0.5) / size, (y + 0.5) / size
    r = math.hypot(u - 0.5, v - 0.5)
    if 0.25 <= r <= 0.30:
        return WHITE
    stroke = 0.035
    if (
        _segment_distance(u, v, 0.38, 0.51, 0.47, 0.60) <= stroke
        or _segment_distance(u, v, 0.47, 0.60, 0.64, 0.41) <= stroke
    ):
        return WHITE
    return PURPLE


def png(size: int) -> bytes:
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"pess-{size}.png").write_bytes(png(size))
