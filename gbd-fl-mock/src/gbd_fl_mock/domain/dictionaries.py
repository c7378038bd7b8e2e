"""Reference dictionaries of ГБД ФЛ: every coded value is answered as code + nameRu + nameKz.

The codes are ours (documented in gbd-fl-mock/README.md); countries use ISO 3166 numeric codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from gbd_fl_mock.domain.errors import UnknownDictionaryCode


@dataclass(frozen=True, slots=True)
class DictValue:
    """One dictionary entry as ГБД ФЛ answers it."""

    code: str
    name_ru: str
    name_kz: str


class Dictionary(Mapping[str, DictValue]):
    """A named, ordered set of dictionary values looked up by code."""

    def __init__(self, name: str, values: Iterable[DictValue]) -> None:
        self.name = name
        self._values = {value.code: value for value in values}

    def __getitem__(self, code: str) -> DictValue:
        try:
            return self._values[code]
        except KeyError:
            raise UnknownDictionaryCode(
                f"Код {code!r} отсутствует в справочнике {self.name} / "
                f"{self.name} анықтамалығында {code!r} коды жоқ",
                data=self.name,
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _dictionary(name: str, *rows: tuple[str, str, str]) -> Dictionary:
    return Dictionary(name, (DictValue(*row) for row in rows))


MALE = "1"
FEMALE = "2"
GENDERS = _dictionary("gender", (MALE, "Мужской", "Ер"), (FEMALE, "Женский", "Әйел"))

ALIVE = "1"
DECEASED = "2"
LIFE_STATUSES = _dictionary("lifeStatus", (ALIVE, "Жив", "Тірі"), (DECEASED, "Умер", "Қайтыс болған"))

KAZAKHSTAN = "398"
COUNTRIES = _dictionary(
    "country",
    (KAZAKHSTAN, "Казахстан", "Қазақстан"),
    ("643", "Россия", "Ресей"),
    ("860", "Узбекистан", "Өзбекстан"),
    ("417", "Кыргызстан", "Қырғызстан"),
    ("156", "Китай", "Қытай"),
    ("496", "Монголия", "Моңғолия"),
    ("804", "Украина", "Украина"),
)

KAZAKH = "001"
RUSSIAN = "002"
NATIONALITIES = _dictionary(
    "nationality",
    (KAZAKH, "Казах", "Қазақ"),
    (RUSSIAN, "Русский", "Орыс"),
    ("003", "Украинец", "Украин"),
    ("004", "Немец", "Неміс"),
    ("005", "Татарин", "Татар"),
    ("006", "Узбек", "Өзбек"),
    ("007", "Уйгур", "Ұйғыр"),
    ("008", "Кореец", "Корей"),
    ("009", "Дунганин", "Дүнген"),
    ("010", "Турок", "Түрік"),
    ("011", "Курд", "Күрд"),
    ("012", "Белорус", "Беларусь"),
)

PASSPORT = "001"
ID_CARD = "002"
BIRTH_CERTIFICATE = "003"
RESIDENCE_PERMIT = "004"
DOCUMENT_TYPES = _dictionary(
    "documentType",
    (PASSPORT, "Паспорт гражданина Республики Казахстан", "Қазақстан Республикасы азаматының паспорты"),
    (
        ID_CARD,
        "Удостоверение личности гражданина Республики Казахстан",
        "Қазақстан Республикасы азаматының жеке куәлігі",
    ),
    (BIRTH_CERTIFICATE, "Свидетельство о рождении", "Туу туралы куәлік"),
    (RESIDENCE_PERMIT, "Вид на жительство иностранца", "Шетелдіктің тұруға ықтиярхаты"),
)

MINISTRY_OF_JUSTICE = "001"
MINISTRY_OF_INTERNAL_AFFAIRS = "002"
CIVIL_REGISTRY = "003"
ISSUERS = _dictionary(
    "issueOrganization",
    (
        MINISTRY_OF_JUSTICE,
        "Министерство юстиции Республики Казахстан",
        "Қазақстан Республикасының Әділет министрлігі",
    ),
    (
        MINISTRY_OF_INTERNAL_AFFAIRS,
        "Министерство внутренних дел Республики Казахстан",
        "Қазақстан Республикасының Ішкі істер министрлігі",
    ),
    (
        CIVIL_REGISTRY,
        "Органы регистрации актов гражданского состояния",
        "Азаматтық хал актілерін тіркеу органдары",
    ),
)

DOC_VALID = "1"
DOC_EXPIRED = "2"
DOC_LOST = "3"
DOC_REPLACED = "4"
DOC_VOID_DEATH = "5"
DOCUMENT_STATUSES = _dictionary(
    "documentStatus",
    (DOC_VALID, "Документ действителен", "Құжат жарамды"),
    (DOC_EXPIRED, "Срок действия документа истёк", "Құжаттың жарамдылық мерзімі өтті"),
    (DOC_LOST, "Документ утерян", "Құжат жоғалған"),
    (DOC_REPLACED, "Документ заменён", "Құжат ауыстырылған"),
    (
        DOC_VOID_DEATH,
        "Недействителен в связи со смертью владельца",
        "Иесінің қайтыс болуына байланысты жарамсыз",
    ),
)
# Statuses stored with a document; "expired" is never stored, it is judged on the day of the answer.
STORED_DOCUMENT_STATUSES = (DOC_VALID, DOC_LOST, DOC_REPLACED, DOC_VOID_DEATH)

CAPABLE = "1"
INCAPABLE = "2"
LIMITED_CAPACITY = "3"
MINOR = "4"
CAPABLE_STATUSES = _dictionary(
    "capableStatus",
    (CAPABLE, "Дееспособный", "Әрекетке қабілетті"),
    (INCAPABLE, "Недееспособный", "Әрекетке қабілетсіз"),
    (LIMITED_CAPACITY, "Ограниченно дееспособный", "Әрекет қабілеттілігі шектеулі"),
    (MINOR, "Несовершеннолетний", "Кәмелетке толмаған"),
)

DISABILITY_GROUP_1 = "1"
DISABILITY_GROUP_2 = "2"
DISABILITY_GROUP_3 = "3"
DISABLED_CHILD_UNDER_16 = "4"
DISABLED_CHILD_16_18 = "5"
DISABILITY_GROUPS = _dictionary(
    "disabilityGroup",
    (DISABILITY_GROUP_1, "Инвалидность первой группы", "Бірінші топтағы мүгедектік"),
    (DISABILITY_GROUP_2, "Инвалидность второй группы", "Екінші топтағы мүгедектік"),
    (DISABILITY_GROUP_3, "Инвалидность третьей группы", "Үшінші топтағы мүгедектік"),
    (DISABLED_CHILD_UNDER_16, "Ребёнок-инвалид до шестнадцати лет", "Он алты жасқа дейінгі мүгедек бала"),
    (
        DISABLED_CHILD_16_18,
        "Ребёнок-инвалид от шестнадцати до восемнадцати лет",
        "Он алты жастан он сегіз жасқа дейінгі мүгедек бала",
    ),
)

ALL_DICTIONARIES: tuple[Dictionary, ...] = (
    GENDERS,
    LIFE_STATUSES,
    COUNTRIES,
    NATIONALITIES,
    DOCUMENT_TYPES,
    ISSUERS,
    DOCUMENT_STATUSES,
    CAPABLE_STATUSES,
    DISABILITY_GROUPS,
)
