"""Render pages of a PDF to PNG (development only: the README's picture of the municipal profile).

    .venv/bin/python scripts/pdf_to_png.py perfil.pdf docs/screenshots/profile-page1.png [page] [scale]

Uses pypdfium2 (requirements-dev.txt: PDFium in a pip wheel, no system package); the application
itself never renders PDFs.
"""

import sys

import pypdfium2


def main(source: str, target: str, page: int = 1, scale: float = 1.5) -> None:
    document = pypdfium2.PdfDocument(source)
    document[page - 1].render(scale=scale).to_pil().save(target)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], int(args[2]) if len(args) > 2 else 1, float(args[3]) if len(args) > 3 else 1.5)
