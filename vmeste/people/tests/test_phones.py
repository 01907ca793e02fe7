import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmeste.people.phones import InvalidPhone, mask, normalise


@pytest.mark.parametrize(
    ("typed", "e164", "kind"),
    [
        ("8 (927) 123-45-67", "+79271234567", "mobile"),
        ("+7 927 123 45 67", "+79271234567", "mobile"),
        ("79271234567", "+79271234567", "mobile"),
        ("9271234567", "+79271234567", "mobile"),
        ("8 800 200-34-11", "+78002003411", "toll_free"),
        ("8 (8442) 12-34-56", "+78442123456", "fixed_line"),
    ],
)
def test_russian_habits_are_understood(typed, e164, kind):
    phone = normalise(typed)
    assert phone.e164 == e164
    assert phone.kind == kind


@pytest.mark.parametrize(
    "typed", ["", "   ", "12345", "abc", "8 800", "+7 927 123 45 67 89 00", "9" * 60]
)
def test_garbage_is_refused(typed):
    with pytest.raises(InvalidPhone):
        normalise(typed)


mobile_numbers = st.integers(min_value=900_000_0000, max_value=999_999_9999).map(str)
formats = st.sampled_from(["+7{}", "8{}", "7{}", "{}", "+7 ({0}) {1}", "8-{0}-{1}"])


def _write(fmt: str, digits: str) -> str:
    return fmt.format(digits[:3], digits[3:]) if "{1}" in fmt else fmt.format(digits)


@given(mobile_numbers, formats)
def test_every_way_of_writing_a_number_gives_one_e164(digits, fmt):
    """However a valid Russian number is written, it normalises to the same E.164 string."""
    written = _write(fmt, digits)
    expected = phonenumbers.parse("+7" + digits)
    try:
        phone = normalise(written)
    except InvalidPhone:
        assert not phonenumbers.is_valid_number(expected)
        return
    assert phone.e164 == "+7" + digits
    assert normalise(phone.e164) == phone  # idempotent


@given(st.text(max_size=60))
def test_any_text_either_normalises_or_is_refused(text):
    try:
        phone = normalise(text)
    except InvalidPhone:
        return
    assert phone.e164.startswith("+") and phone.e164[1:].isdigit()


def test_mask_hides_the_middle():
    assert mask("+79271234567") == "+7 927 ***-**-67"
    assert "1234" not in mask("+79271234567")
