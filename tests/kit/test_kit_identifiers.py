"""ИИН / БИН check digits and structure (`egov_kit.identifiers`)."""

from __future__ import annotations

import itertools
import random

import pytest
from egov_kit.errors import KitError
from egov_kit.identifiers import (
    InvalidIdentifier,
    check_digit,
    complete,
    is_valid,
    validate_bin,
    validate_iin,
)

KNOWN_IINS = ["880412390017", "790923490082", "900101390508"]
KNOWN_BINS = ["040340001124", "990140001233", "200840009995"]

# The published algorithm, written out independently of the module under test.
FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def _weighted(prefix: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(prefix, weights, strict=True)) % 11


def _prefixes() -> itertools.chain[str]:
    # Deterministic: variations of a real ИИН's prefix, then plain counting.
    return itertools.chain((f"88041239{i:03d}" for i in range(1000)), (f"{i:011d}" for i in range(10**6)))


def _first_prefix(first_sum_ten: bool, second_sum_ten: bool) -> str:
    for prefix in _prefixes():
        if (_weighted(prefix, FIRST_WEIGHTS) == 10) == first_sum_ten and (
            _weighted(prefix, SECOND_WEIGHTS) == 10
        ) == second_sum_ten:
            return prefix
    raise AssertionError("no such prefix found")


# --- known numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_IINS + KNOWN_BINS)
def test_known_numbers_are_valid(number: str) -> None:
    assert is_valid(number)
    assert check_digit(number[:11]) == int(number[11])
    assert complete(number[:11]) == number


@pytest.mark.parametrize("number", KNOWN_IINS)
def test_known_iins_validate_as_iin(number: str) -> None:
    assert validate_iin(number) == number


@pytest.mark.parametrize("number", KNOWN_BINS)
def test_known_bins_validate_as_bin(number: str) -> None:
    assert validate_bin(number) == number


def test_first_weights_are_one_to_eleven() -> None:
    # 8*1 + 8*2 + 0*3 + 4*4 + 1*5 + 2*6 + 3*7 + 9*8 + 0*9 + 0*10 + 1*11 = 161; 161 mod 11 = 7
    assert check_digit("88041239001") == 7
    # Only the last position set: weight 11 → 11 mod 11 = 0; only the first: weight 1.
    assert check_digit("00000000001") == 0
    assert check_digit("10000000000") == 1


def test_eleventh_digit_has_weight_eleven_so_it_does_not_move_the_first_pass() -> None:
    # Weight 11 is 0 mod 11: changing only the 11th digit keeps the check digit (first pass).
    assert check_digit("88041239002") == check_digit("88041239001") == 7
    assert is_valid("880412390027")


@pytest.mark.parametrize("position", range(11))
def test_each_position_carries_its_first_weight(position: int) -> None:
    prefix = "0" * position + "1" + "0" * (10 - position)
    weight = position + 1
    if weight == 10:
        # First pass gives 10, so the second weight of position 10 (which is 1) decides.
        assert check_digit(prefix) == SECOND_WEIGHTS[position]
    else:
        assert check_digit(prefix) == weight % 11


# --- the second pass ---------------------------------------------------------------------------------


def test_second_weights_are_used_when_the_first_sum_is_ten() -> None:
    # 88041239080: first pass 230 mod 11 = 10; second pass 228 mod 11 = 8.
    assert _weighted("88041239080", FIRST_WEIGHTS) == 10
    assert check_digit("88041239080") == 8
    assert complete("88041239080") == "880412390808"
    assert is_valid("880412390808")
    assert not is_valid("880412390800")  # the first pass's "10 mod 10" is not the answer


def test_complete_uses_the_second_pass_for_a_searched_prefix() -> None:
    prefix = _first_prefix(first_sum_ten=True, second_sum_ten=False)
    expected = _weighted(prefix, SECOND_WEIGHTS)
    assert check_digit(prefix) == expected
    assert complete(prefix) == prefix + str(expected)
    assert is_valid(prefix + str(expected))
    assert [d for d in "0123456789" if is_valid(prefix + d)] == [str(expected)]


def test_second_pass_is_not_used_when_the_first_sum_is_not_ten() -> None:
    prefix = _first_prefix(first_sum_ten=False, second_sum_ten=True)
    assert check_digit(prefix) == _weighted(prefix, FIRST_WEIGHTS)


def test_prefix_for_which_both_passes_give_ten_has_no_valid_number() -> None:
    # 88041239081: first pass 241 mod 11 = 10, second pass 230 mod 11 = 10.
    for prefix in ("88041239081", _first_prefix(first_sum_ten=True, second_sum_ten=True)):
        assert check_digit(prefix) is None
        assert complete(prefix) is None
        assert [d for d in "0123456789" if is_valid(prefix + d)] == []
        with pytest.raises(InvalidIdentifier):
            validate_iin(prefix + "0")


# --- invalid shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "",
        "88041239001",  # 11 digits
        "8804123900170",  # 13 digits
        "88041239001a",
        "8804-1239001",
        " 88041239001",
        "880412390017 ",
        "88041239001٧",  # Arabic-Indic seven
        "٨٨٠٤١٢٣٩٠٠١٧",  # the whole ИИН in Arabic-Indic digits
        "８８０４１２３９００１７",  # fullwidth digits
        "88041239001²",
    ],
)
def test_malformed_numbers_are_invalid(number: str) -> None:
    assert not is_valid(number)
    with pytest.raises(InvalidIdentifier):
        validate_iin(number)
    with pytest.raises(InvalidIdentifier):
        validate_bin(number)


@pytest.mark.parametrize("number", KNOWN_IINS + KNOWN_BINS)
def test_changed_check_digit_is_invalid(number: str) -> None:
    for digit in "0123456789":
        if digit != number[11]:
            assert not is_valid(number[:11] + digit)


@pytest.mark.parametrize("number", KNOWN_IINS + KNOWN_BINS)
def test_changed_body_digit_is_invalid(number: str) -> None:
    # Digits 1-10 carry first weights 1..10, none 0 mod 11: changing one moves the first-pass sum.
    checked = 0
    for position in range(10):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            altered = number[:position] + digit + number[position + 1 :]
            if _weighted(altered[:11], FIRST_WEIGHTS) == 10:
                continue  # the second pass decides; a collision is allowed there
            assert not is_valid(altered), altered
            checked += 1
    assert checked >= 75


def test_complete_never_returns_a_number_that_is_not_valid_for_non_ascii_digits() -> None:
    try:
        result = complete("٨٨٠٤١٢٣٩٠٠١")
    except (ValueError, InvalidIdentifier):
        return
    assert result is None or is_valid(result)


# --- ИИН structure -----------------------------------------------------------------------------------


def _number(head: str) -> str:
    """A 12-digit number starting with ``head`` and a correct check digit (first completable serial)."""
    width = 11 - len(head)
    for serial in range(1, 100):
        number = complete(head + f"{serial:0{width}d}")
        if number is not None:
            return number
    raise AssertionError("no completable serial")


def _iin(birth: str, century: str) -> str:
    return _number(birth + century)


@pytest.mark.parametrize("birth", ["880001", "881301", "889901", "880400", "880432", "880499"])
def test_iin_with_impossible_month_or_day_is_refused(birth: str) -> None:
    number = _iin(birth, "3")
    assert is_valid(number)  # the check digit is right; the structure is not
    with pytest.raises(InvalidIdentifier) as caught:
        validate_iin(number)
    assert "month and day" in caught.value.message


@pytest.mark.parametrize("birth", ["880101", "881231", "880131", "881201"])
def test_iin_with_boundary_month_and_day_is_accepted(birth: str) -> None:
    number = _iin(birth, "3")
    assert validate_iin(number) == number


@pytest.mark.parametrize("century", list("0123456"))
def test_iin_century_digit_zero_to_six_is_accepted(century: str) -> None:
    number = _iin("880412", century)
    assert validate_iin(number) == number


@pytest.mark.parametrize("century", list("789"))
def test_iin_century_digit_seven_to_nine_is_refused(century: str) -> None:
    number = _iin("880412", century)
    assert is_valid(number)
    with pytest.raises(InvalidIdentifier) as caught:
        validate_iin(number)
    assert "digit 7" in caught.value.message


# --- БИН structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fifth", list("456"))
def test_bin_fifth_digit_four_to_six_is_accepted(fifth: str) -> None:
    number = _number("0403" + fifth + "0")
    assert validate_bin(number) == number


@pytest.mark.parametrize("fifth", list("0123789"))
def test_bin_fifth_digit_outside_four_to_six_is_refused(fifth: str) -> None:
    number = _number("0403" + fifth + "0")
    assert is_valid(number)
    with pytest.raises(InvalidIdentifier) as caught:
        validate_bin(number)
    assert "digit 5" in caught.value.message


@pytest.mark.parametrize("number", KNOWN_IINS)
def test_a_known_iin_is_not_a_bin(number: str) -> None:
    assert number[4] not in "456"
    with pytest.raises(InvalidIdentifier):
        validate_bin(number)


# --- errors ------------------------------------------------------------------------------------------


def test_invalid_identifier_is_a_named_kit_error() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_iin("880412390018")
    assert isinstance(caught.value, KitError)
    assert caught.value.code == "INVALID_IIN_BIN"
    assert str(caught.value).startswith("INVALID_IIN_BIN: ")
    assert "880412390018" in caught.value.message


# --- property ----------------------------------------------------------------------------------------


def test_complete_is_none_or_a_valid_number_for_random_prefixes() -> None:
    rng = random.Random(20240301)
    nones = 0
    for _ in range(2000):
        prefix = "".join(rng.choice("0123456789") for _ in range(11))
        result = complete(prefix)
        if result is None:
            nones += 1
            assert check_digit(prefix) is None
            assert not any(is_valid(prefix + d) for d in "0123456789")
            continue
        assert len(result) == 12
        assert result.isascii()
        assert result.isdigit()
        assert result[:11] == prefix
        assert is_valid(result)
        for digit in "0123456789":
            if digit != result[11]:
                assert not is_valid(prefix + digit)
    # Roughly 1 prefix in 121 has no check digit; the sample must contain some, but not many.
    assert 0 < nones < 100
