"""ИИН / БИН: 12-digit identification numbers with a check digit.

The check digit (12th) is sum(d_i * w_i) mod 11 over the first 11 digits with weights 1..11; when
that gives 10 the weights 3..11,1,2 are used; a second 10 means the number is invalid.
"""

from __future__ import annotations

from egov_kit.errors import KitError

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class InvalidIdentifier(KitError):
    code = "INVALID_IIN_BIN"


def check_digit(first_eleven: str) -> int | None:
    """Check digit for 11 ASCII digits, or None when no digit can make a valid number."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        return None
    digits = [int(c) for c in first_eleven]
    value = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=True)) % 11
    if value == 10:
        value = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=True)) % 11
    return None if value == 10 else value


def is_valid(number: str) -> bool:
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return False
    expected = check_digit(number[:11])
    return expected is not None and expected == int(number[11])


def validate_iin(number: str) -> str:
    """Return the ИИН if its structure and check digit hold, else raise :class:`InvalidIdentifier`."""
    if not is_valid(number):
        raise InvalidIdentifier(f"{number!r} is not a valid ИИН/БИН (12 digits with a correct check digit)")
    month, day = int(number[2:4]), int(number[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise InvalidIdentifier(f"{number!r} is not a valid ИИН: digits 3-6 must be a birth month and day")
    if number[6] not in "0123456":
        raise InvalidIdentifier(f"{number!r} is not a valid ИИН: digit 7 (century and sex) must be 0-6")
    return number


def validate_bin(number: str) -> str:
    """Return the БИН if its structure and check digit hold, else raise :class:`InvalidIdentifier`."""
    if not is_valid(number):
        raise InvalidIdentifier(f"{number!r} is not a valid БИН (12 digits with a correct check digit)")
    if number[4] not in "456":
        raise InvalidIdentifier(f"{number!r} is not a valid БИН: digit 5 (entity type) must be 4, 5 or 6")
    return number


def complete(first_eleven: str) -> str | None:
    """Append the check digit to 11 digits, or None when no valid number has this prefix."""
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)
