"""egov_kit.otp.sms_text: the SMS carrying a code, in Kazakh and Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from egov_kit.otp import sms_text

TITLE_RU = "Выдача заключения о нуждаемости в санаторно-курортном лечении"
TITLE_KK = "Санаторийлік-курорттық емдеу қажеттілігі туралы қорытынды беру"


def test_text_is_bilingual_short_and_warns_never_to_share() -> None:
    text = sms_text("482913", TITLE_RU, TITLE_KK)
    kk, ru = text.split("\n")
    assert "482913" in kk and "482913" in ru
    assert TITLE_KK in kk and TITLE_RU in ru
    assert "ешкімге айтпаңыз" in kk  # do not tell anyone
    assert "Никому не сообщайте" in ru
    assert "5 минут" in kk and "5 мин" in ru
    assert len(text) <= 480
    assert len(text) < 300  # short: a few SMS parts at most


def test_validity_follows_the_ttl_or_can_be_left_out() -> None:
    assert "10 мин" in sms_text("1234", TITLE_RU, TITLE_KK, ttl=timedelta(minutes=10))
    text = sms_text("1234", TITLE_RU, TITLE_KK, ttl=None)
    assert "мин" not in text and "жарамды" not in text


def test_long_titles_are_shortened_to_fit_the_gateway() -> None:
    text = sms_text("123456", "Р" * 1000, "Қ" * 1000)
    assert len(text) <= 480
    assert "…" in text and "123456" in text


@pytest.mark.parametrize("code", ["", "12a456", "123", "12345678901"])
def test_only_digit_codes_are_accepted(code: str) -> None:
    with pytest.raises(ValueError):
        sms_text(code, TITLE_RU, TITLE_KK)
