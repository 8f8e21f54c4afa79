import pytest
from django.core.exceptions import ValidationError

from core.validators import dui_check_digit, normalize_dui, validate_dui


@pytest.mark.parametrize("dui", ["00016297-5", "12345678-4", "04567891-1"])
def test_valid_duis_from_the_source_note_pass(dui):
    validate_dui(dui)


@pytest.mark.parametrize(
    ("dui", "code"),
    [
        ("00016297-4", "dui_check_digit"),
        ("12345678-5", "dui_check_digit"),
        ("1234567-4", "dui_format"),
        ("123456789-4", "dui_format"),
        ("12345678", "dui_format"),
        ("1234567A-4", "dui_format"),
        ("12345678-X", "dui_format"),
        ("12345678 4", "dui_format"),
        ("", "dui_format"),
        ("00000000-0", "dui_zero"),
    ],
)
def test_invalid_duis_are_rejected_with_a_specific_code(dui, code):
    with pytest.raises(ValidationError) as exc:
        validate_dui(dui)
    assert exc.value.code == code


def test_check_digit_rule_weights_nine_down_to_two():
    # 0*9+0*8+0*7+1*6+6*5+2*4+9*3+7*2 = 85 -> (10 - 5) % 10 = 5
    assert dui_check_digit("00016297") == 5


def test_normalize_dui_adds_the_hyphen_and_strips_spaces():
    assert normalize_dui(" 123456784 ") == "12345678-4"
    assert normalize_dui("12345678-4") == "12345678-4"
