"""reports.sheets.sheet_name: readable, at most 31 characters, cut at a word, unique."""

import io

import openpyxl

from reports.sheets import sheet_name


def test_long_titles_are_cut_at_a_word_without_a_dangling_preposition():
    name = sheet_name("Talleres de formación por departamento y municipio")
    assert len(name) <= 31 and name == "Talleres de formación"
    assert sheet_name("Asistencia técnica a instituciones municipales") == "Asistencia técnica"


def test_short_titles_are_kept_and_forbidden_characters_removed():
    assert sheet_name("Indicadores") == "Indicadores"
    assert sheet_name("Enero/Marzo: [T1]") == "Enero Marzo T1"
    assert sheet_name("") == "Hoja"
    assert len(sheet_name("Supercalifragilísticoespialidosoextraordinario")) == 31


def test_names_are_unique_within_a_workbook():
    taken = []
    for _ in range(3):
        taken.append(sheet_name("Talleres de formación por departamento", taken))
    assert taken == ["Talleres de formación", "Talleres de formación (2)", "Talleres de formación (3)"]
    assert all(len(n) <= 31 for n in taken)


def test_excel_accepts_the_names():
    book = openpyxl.Workbook()
    taken = []
    for title in ["Talleres de formación por departamento", "Talleres de formación por municipio", "a" * 40]:
        name = sheet_name(title, taken)
        taken.append(name)
        book.create_sheet(name)
    buffer = io.BytesIO()
    book.save(buffer)
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).sheetnames[1:] == taken
