"""Phone numbers as the hotline hears them, normalised to E.164 with their type.

Pure: no database. Russian habits are understood (8 800 …, 8 (927) …, +7…, 7…); a number
without a country code is read as Russian.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

DEFAULT_REGION = "RU"

_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.VOIP: "voip",
}


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


@dataclass(frozen=True)
class Phone:
    e164: str
    kind: str  # mobile, fixed_line, toll_free, voip, fixed_line_or_mobile, other

    @property
    def national(self) -> str:
        return phonenumbers.format_number(
            phonenumbers.parse(self.e164), phonenumbers.PhoneNumberFormat.NATIONAL
        )


def normalise(text: str, *, region: str = DEFAULT_REGION) -> Phone:
    """Parse a typed or pasted number; raise InvalidPhone when it cannot be a real number."""
    return _normalise(text, region)


# One registration reads its number four times over (the API's check, the request's, the
# person's, the phone's type), and the same callers call again: about 0.25 ms of CPU each.
@functools.lru_cache(maxsize=8192)
def _normalise(text: str, region: str) -> Phone:
    raw = (text or "").strip()
    if not raw or len(raw) > 40:
        raise InvalidPhone(raw)
    digits = "".join(ch for ch in raw if ch.isdigit())
    # Russian callers dial 8 for the trunk prefix; phonenumbers knows that for region RU,
    # and a bare 7XXXXXXXXXX (11 digits) is the country code without its plus.
    if not raw.startswith("+") and len(digits) == 11 and digits.startswith("7"):
        raw = "+" + digits
    try:
        parsed = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(raw)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, kind=_TYPES.get(phonenumbers.number_type(parsed), "other"))


def try_normalise(text: str) -> Phone | None:
    try:
        return normalise(text)
    except InvalidPhone:
        return None


def mask(e164: str) -> str:
    """+79271234567 → +7 927 ***-**-67: enough to tell two numbers apart, not to dial."""
    if len(e164) < 6:
        return "***"
    return f"{e164[:2]} {e164[2:5]} ***-**-{e164[-2:]}"


def pretty(e164: str) -> str:
    """+79000000000 → +7 900 000-00-00, the way Russian operators read a number aloud; a
    masked or foreign number is shown as it is (foreign ones in the international form)."""
    if not e164 or "*" in e164:
        return e164 or ""
    if len(e164) == 12 and e164.startswith("+7") and e164[1:].isdigit():
        d = e164[2:]
        return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
