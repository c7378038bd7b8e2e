"""H3's rules in РПН (pure): the term of seed 004 items 3 and 7, the grounds of item 9 in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from egov_kit.attachments import check_file
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h3
from egov_kit.documents.h1 import Recipient
from phc_registry.domain import seed
from phc_registry.domain.model import Person, PersonLookup
from phc_registry.domain.sanatorium import FRESHNESS_DAYS, check_request, recommend, term

SHU = seed.organisation("ZHM-SHU-01")
PETROV = Person(
    "541130390295",
    "Петров",
    "Виктор",
    "Иванович",
    date(1954, 11, 30),
    gender_ru="мужской",
    gender_kk="ер",
    identity_document_valid=True,
)
SUBMITTED = datetime(2025, 2, 12, 10, 0, tzinfo=KZ_TZ)
PDF = b"%PDF-1.4\nresults"


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KZ_TZ)


# --- the term (items 3 and 7) --------------------------------------------------------------------


def test_a_request_after_18_on_friday_counts_from_monday_9() -> None:
    found = term(at(2025, 2, 14, 18, 5))
    assert found.registered_for == at(2025, 2, 17, 9)
    assert found.due_at == at(2025, 2, 18, 18, 30)  # one working day: Tuesday's close of business


def test_a_request_at_17_59_counts_the_same_day() -> None:
    found = term(at(2025, 2, 14, 17, 59))
    assert found.registered_for == at(2025, 2, 14, 17, 59)
    assert found.due_at == at(2025, 2, 17, 18, 30)  # the next working day is Monday


def test_weekends_and_holidays_count_from_9_of_the_next_working_day() -> None:
    assert term(at(2025, 2, 15, 11)).registered_for == at(2025, 2, 17, 9)  # Saturday
    independence_day = term(at(2025, 12, 16, 10))  # a public holiday (Tuesday)
    assert independence_day.registered_for == at(2025, 12, 17, 9)
    assert independence_day.due_at == at(2025, 12, 18, 18, 30)
    # 8 March 2025 is a Saturday: the day off moves to Monday 10 March
    assert term(at(2025, 3, 7, 18, 5)).registered_for == at(2025, 3, 11, 9)


def test_overdue_after_the_due_moment() -> None:
    found = term(at(2025, 2, 14, 18, 5))
    assert not found.overdue(at(2025, 2, 18, 18, 30)) and found.overdue(at(2025, 2, 18, 18, 31))


# --- the grounds (item 9), in order --------------------------------------------------------------


def application(**overrides: object) -> h3.SanatoriumApplication:
    checked = check_file("results.pdf", "application/pdf", PDF, max_bytes=h3.MAX_FILE_BYTES)
    values: dict[str, object] = {
        "recipient": Recipient("541130390295", "Петров", "Виктор", "Иванович"),
        "organisation_code": "ZHM-SHU-01",
        "diagnosis_code": "M17.1",
        "diagnosis_text": "Гонартроз",
        "examined_on": date(2025, 2, 1),
        "files": [checked],
        "consent": True,
        "submitted_at": SUBMITTED,
    }
    values.update(overrides)
    return h3.parse_application(h3.build_application(**values))  # type: ignore[arg-type]


def found(person: Person | None = PETROV, status: str = "found") -> PersonLookup:
    return PersonLookup("541130390295", status, person)  # type: ignore[arg-type]


def ground(
    app: h3.SanatoriumApplication, lookup: PersonLookup | None = None, attached: str | None = "ZHM-SHU-01"
) -> str | None:
    violation = check_request(app, lookup or found(), SHU, attached)
    return violation.ground if violation else None


def test_a_complete_request_of_an_attached_person_meets_the_grounds() -> None:
    assert ground(application()) is None
    oldest = date(2025, 2, 12).toordinal() - FRESHNESS_DAYS
    assert ground(application(examined_on=date.fromordinal(oldest))) is None  # exactly 30 days old


def test_no_consent_comes_first() -> None:
    violation = check_request(application(consent=False), found(None, "absent"), None, None)
    assert violation is not None and violation.ground == "NO_CONSENT"
    assert "согласия" in violation.details_ru and "келісім" in violation.details_kk


@pytest.mark.parametrize(
    ("lookup", "app", "needle"),
    [
        (found(None, "absent"), None, "отсутствуют"),
        (found(replace(PETROV, deceased=True, death_date=date(2024, 1, 5)), "deceased"), None, "умерло"),
        (found(), {"recipient": Recipient("541130390295", "Петрова", "Виктория")}, "не совпадает"),
        (found(replace(PETROV, identity_document_valid=False)), None, "документа"),
        (found(), {"examined_on": date(2025, 2, 13)}, "позже"),
    ],
)
def test_unreliable_data(lookup: PersonLookup, app: dict[str, object] | None, needle: str) -> None:
    request = application(**(app or {}))
    violation = check_request(request, lookup, SHU, "ZHM-SHU-01")
    assert violation is not None and violation.ground == "UNRELIABLE_DATA"
    assert needle in violation.details_ru
    # unreliable data is found before the requirements (no attachment here)
    assert ground(request, lookup, attached=None) == "UNRELIABLE_DATA"


def test_requirements_not_met() -> None:
    assert ground(application(), attached=None) == "REQUIREMENTS_NOT_MET"
    assert ground(application(), attached="ZHM-TRZ-01") == "REQUIREMENTS_NOT_MET"
    assert ground(application(files=[])) == "REQUIREMENTS_NOT_MET"
    stale = check_request(application(examined_on=date(2025, 1, 12)), found(), SHU, "ZHM-SHU-01")
    assert stale is not None and stale.ground == "REQUIREMENTS_NOT_MET" and "30" in stale.details_ru
    unknown = check_request(application(organisation_code="XX-NONE"), found(), None, "ZHM-SHU-01")
    assert unknown is not None and unknown.ground == "REQUIREMENTS_NOT_MET"


def test_the_card_recommends_by_the_chapter_of_the_diagnosis() -> None:
    assert "костно-мышечной" in recommend("M17.1").profile_ru
    assert "Бурабай" in recommend("J45.0").climate_ru
    assert recommend("Z00").profile_kk == "жалпы терапиялық бейін"
