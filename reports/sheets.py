"""XLSX sheet names: at most 31 characters, cut at a word, without the characters Excel refuses,
and unique within a workbook. Used by the exports (reports.exports, reports.raw)."""

MAX_LENGTH = 31
FORBIDDEN = set("[]:*?/\\")


def sheet_name(title: str, taken=()) -> str:
    """A readable sheet name for `title`: whole words up to 31 characters ("Talleres de formación
    por departamento" → "Talleres de formación por"), never a dangling "de"/"por", and different
    from every name in `taken` (a " (2)" suffix when needed, still within 31 characters)."""
    clean = "".join(" " if c in FORBIDDEN else c for c in str(title or ""))
    clean = " ".join(clean.split()).strip("'") or "Hoja"
    name = _cut(clean, MAX_LENGTH)
    used = {t.casefold() for t in taken}
    n = 2
    candidate = name
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate = _cut(clean, MAX_LENGTH - len(suffix)) + suffix
        n += 1
    return candidate


SMALL_WORDS = {"de", "del", "la", "las", "el", "los", "y", "e", "o", "u", "por", "en", "a", "al", "con", "para"}


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    words, out = text.split(" "), []
    for word in words:
        if len(" ".join([*out, word])) > limit:
            break
        out.append(word)
    while len(out) > 1 and out[-1].casefold() in SMALL_WORDS:
        out.pop()
    if not out:  # one word longer than the limit
        return text[:limit]
    return " ".join(out).rstrip(" ,;-–—")
