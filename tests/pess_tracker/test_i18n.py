"""The English catalogue: chosen with the language cookie, complete, never from the browser."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

PAGES = [
    # (url name, Spanish text, English text)
    ("home", "Talleres realizados", "Workshops held"),
    ("home", "Mis talleres", "My workshops"),
    ("workshops:list", "Mis talleres", "My workshops"),
    ("workshops:list", "Nuevo taller", "New workshop"),
]


@pytest.mark.parametrize(("name", "spanish", "english"), PAGES)
def test_pages_are_in_english_with_the_language_cookie(client, staff_a, name, spanish, english):
    client.force_login(staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    assert english in body
    assert spanish not in body


@pytest.mark.parametrize(("name", "spanish", "english"), PAGES)
def test_pages_stay_in_spanish_without_the_cookie(client, staff_a, name, spanish, english):
    client.force_login(staff_a)
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="es"' in body
    assert spanish in body
    assert english not in body


def _po_entries(text: str):
    """(msgid, [msgstr...], flags) for each entry of a .po file, read with the stdlib."""
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt)\s+"(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" not in fields:
            continue
        msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
        yield fields["msgid"], msgstrs, flags


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = [entry for entry in _po_entries(PO_FILE.read_text(encoding="utf-8")) if entry[0] != ""]
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, _flags in entries if not msgstrs or any(s == "" for s in msgstrs)]
    fuzzy = [msgid for msgid, _msgstrs, flags in entries if "fuzzy" in flags]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:5]}"


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what Django reads: it must not lag behind the .po."""
    with PO_FILE.with_suffix(".mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = []
    for msgid, msgstrs, _flags in _po_entries(PO_FILE.read_text(encoding="utf-8")):
        if msgid == "":
            continue
        key = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        expected = msgstrs[0].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        found = catalog.get(key, catalog.get((key, 0)))
        if found != expected:
            stale.append(msgid)
    assert stale == [], f"Run compilemessages: {len(stale)} entries differ, e.g. {stale[:3]}"


BASE = Path(settings.BASE_DIR)
NOT_SOURCE = {".venv", "staticfiles", "node_modules", "tests", "bench", ".git", "docs"}
TEMPLATE_STRING = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "gettext_noop"}


def _source_files(pattern: str):
    for path in BASE.rglob(pattern):
        if not NOT_SOURCE.intersection(path.relative_to(BASE).parts):
            yield path


def _strings_in_the_code() -> dict[str, str]:
    """{msgid: where} for the literal strings of {% translate %} tags and of gettext calls."""
    import ast

    found = {}
    for path in _source_files("*.html"):
        for match in TEMPLATE_STRING.finditer(path.read_text(encoding="utf-8")):
            # makemessages doubles % in template strings (the tag interpolates nothing).
            found.setdefault(match.group(2).replace("%", "%%"), str(path.relative_to(BASE)))
    for path in _source_files("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in GETTEXT and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, str(path.relative_to(BASE)))
    return found


def test_every_translatable_string_in_the_code_has_its_english_entry():
    """A string added to a template or to the code without `makemessages -l en` (and its
    translation) shows in Spanish on the English interface: caught here, with where it is."""
    catalogue = set()
    for msgid, _msgstrs, _flags in _po_entries(PO_FILE.read_text(encoding="utf-8")):
        catalogue.add(msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
    strings = _strings_in_the_code()
    assert len(strings) > 500
    missing = sorted(f"{where}: {msgid}" for msgid, where in strings.items() if msgid not in catalogue)
    assert missing == [], f"{len(missing)} strings without an English entry, e.g.:\n" + "\n".join(missing[:10])
