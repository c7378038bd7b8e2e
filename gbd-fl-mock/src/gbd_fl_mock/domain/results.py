"""messageResult of a ГБД ФЛ answer: what the register says about the requested ИИН.

Not found and deceased are answers, never errors: a caller (seed 003, condition 1) branches on them.

| code  | when                                                  |
|-------|-------------------------------------------------------|
| 00000 | found, the person is alive                            |
| 00001 | no person with this ИИН in the register               |
| 00002 | found, the person is deceased (lifeStatus, deathDate) |
| 00003 | invalid request (only inside a named error's data)    |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gbd_fl_mock.domain.model import Person


class LookupResult(StrEnum):
    FOUND = "00000"
    NOT_FOUND = "00001"
    DECEASED = "00002"
    INVALID_REQUEST = "00003"


@dataclass(frozen=True, slots=True)
class ResultMessage:
    code: str
    message_ru: str
    message_kz: str


MESSAGES: dict[LookupResult, ResultMessage] = {
    LookupResult.FOUND: ResultMessage(
        LookupResult.FOUND, "Сведения о физическом лице найдены", "Жеке тұлға туралы мәліметтер табылды"
    ),
    LookupResult.NOT_FOUND: ResultMessage(
        LookupResult.NOT_FOUND,
        "Сведения о физическом лице с указанным ИИН в ГБД ФЛ отсутствуют",
        "Көрсетілген ЖСН бойынша жеке тұлға туралы мәліметтер ЖТ ММБ-да жоқ",
    ),
    LookupResult.DECEASED: ResultMessage(
        LookupResult.DECEASED,
        "Сведения найдены: физическое лицо умерло",
        "Мәліметтер табылды: жеке тұлға қайтыс болған",
    ),
    LookupResult.INVALID_REQUEST: ResultMessage(
        LookupResult.INVALID_REQUEST,
        "Некорректный запрос: проверьте ИИН и структуру запроса",
        "Сұрау дұрыс емес: ЖСН мен сұраудың құрылымын тексеріңіз",
    ),
}


def lookup_result(person: Person | None) -> LookupResult:
    if person is None:
        return LookupResult.NOT_FOUND
    return LookupResult.DECEASED if person.is_deceased else LookupResult.FOUND
