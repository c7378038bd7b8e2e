"""Regions, districts, localities and streets of the seeds' three regions, plus foreign birthplaces.

Seed 000 and 002 are Жамбылская область, seed 001 Восточно-Казахстанская, seed 003
Западно-Казахстанская: registered addresses are only ever in these three. Codes are shaped like КАТО
(region RR0000000, district RRDD00000, locality RRDDLL000) but are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gbd_fl_mock.domain.dictionaries import KAZAKHSTAN, Dictionary, DictValue


class LocalityKind(StrEnum):
    CITY = "city"
    SETTLEMENT = "settlement"
    VILLAGE = "village"


_KIND_PREFIX_RU = {LocalityKind.CITY: "г.", LocalityKind.SETTLEMENT: "п.", LocalityKind.VILLAGE: "с."}
_KIND_SUFFIX_KZ = {LocalityKind.CITY: "қ.", LocalityKind.SETTLEMENT: "кенті", LocalityKind.VILLAGE: "ауылы"}


@dataclass(frozen=True, slots=True)
class Street:
    name_ru: str
    name_kz: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_ru: str
    name_kz: str
    country: str
    weight: float = 0.0  # share of the synthetic population registered here

    @property
    def value(self) -> DictValue:
        return DictValue(self.code, self.name_ru, self.name_kz)


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name_ru: str
    name_kz: str
    region: str

    @property
    def value(self) -> DictValue:
        return DictValue(self.code, self.name_ru, self.name_kz)


@dataclass(frozen=True, slots=True)
class Locality:
    code: str
    name_ru: str
    name_kz: str
    kind: LocalityKind
    region: str
    district: str | None
    weight: float
    streets: tuple[Street, ...]

    @property
    def value(self) -> DictValue:
        return DictValue(self.code, self.name_ru, self.name_kz)

    @property
    def label_ru(self) -> str:
        return f"{_KIND_PREFIX_RU[self.kind]} {self.name_ru}"

    @property
    def label_kz(self) -> str:
        return f"{self.name_kz} {_KIND_SUFFIX_KZ[self.kind]}"


def _streets(*pairs: tuple[str, str]) -> tuple[Street, ...]:
    return tuple(Street(ru, kz) for ru, kz in pairs)


_COMMON_STREETS = _streets(
    ("ул. Абая", "Абай көшесі"),
    ("ул. Толе би", "Төле би көшесі"),
    ("ул. Жамбыла", "Жамбыл көшесі"),
    ("ул. Сатпаева", "Сәтбаев көшесі"),
    ("ул. Ауэзова", "Әуезов көшесі"),
    ("ул. Байтурсынова", "Байтұрсынов көшесі"),
    ("ул. Кунаева", "Қонаев көшесі"),
    ("ул. Желтоксан", "Желтоқсан көшесі"),
    ("ул. Достык", "Достық көшесі"),
    ("ул. Тауелсиздик", "Тәуелсіздік көшесі"),
    ("ул. Пушкина", "Пушкин көшесі"),
    ("ул. Гагарина", "Гагарин көшесі"),
    ("ул. Бейбитшилик", "Бейбітшілік көшесі"),
    ("ул. Наурыз", "Наурыз көшесі"),
)
_VILLAGE_STREETS = _streets(
    ("ул. Абая", "Абай көшесі"),
    ("ул. Школьная", "Мектеп көшесі"),
    ("ул. Молодёжная", "Жастар көшесі"),
    ("ул. Центральная", "Орталық көшесі"),
    ("ул. Садовая", "Бақша көшесі"),
    ("ул. Тауелсиздик", "Тәуелсіздік көшесі"),
    ("ул. Жибек жолы", "Жібек жолы көшесі"),
)
_TARAZ_STREETS = _COMMON_STREETS + _streets(
    ("ул. Казыбек би", "Қазыбек би көшесі"),
    ("ул. Айтеке би", "Әйтеке би көшесі"),
    ("ул. Сулейменова", "Сүлейменов көшесі"),
    ("пр. Жамбыла", "Жамбыл даңғылы"),
    ("ул. Ниеткалиева", "Ниетқалиев көшесі"),
)
_OSKEMEN_STREETS = _COMMON_STREETS + _streets(
    ("ул. Казахстан", "Қазақстан көшесі"),
    ("ул. Протозанова", "Протозанов көшесі"),
    ("ул. Ушанова", "Ушанов көшесі"),
    ("ул. Кабанбай батыра", "Қабанбай батыр көшесі"),
    ("пр. Сатпаева", "Сәтбаев даңғылы"),
)
_ORAL_STREETS = _COMMON_STREETS + _streets(
    ("ул. Евразия", "Еуразия көшесі"),
    ("ул. Сарайшык", "Сарайшық көшесі"),
    ("ул. Курмангазы", "Құрманғазы көшесі"),
    ("ул. Мухита", "Мұхит көшесі"),
    ("ул. Жангир хана", "Жәңгір хан көшесі"),
)

C, S, V = LocalityKind.CITY, LocalityKind.SETTLEMENT, LocalityKind.VILLAGE

ZHAMBYL = "310000000"
EAST_KAZAKHSTAN = "630000000"
WEST_KAZAKHSTAN = "270000000"

REGIONS: dict[str, Region] = {
    ZHAMBYL: Region(ZHAMBYL, "Жамбылская область", "Жамбыл облысы", KAZAKHSTAN, 0.45),
    EAST_KAZAKHSTAN: Region(
        EAST_KAZAKHSTAN, "Восточно-Казахстанская область", "Шығыс Қазақстан облысы", KAZAKHSTAN, 0.28
    ),
    WEST_KAZAKHSTAN: Region(
        WEST_KAZAKHSTAN, "Западно-Казахстанская область", "Батыс Қазақстан облысы", KAZAKHSTAN, 0.27
    ),
}

# region code -> [(district number, ru, kz, [(locality ru, kz, kind, weight, streets)])]
_LAYOUT: dict[
    str, list[tuple[str, str, str, list[tuple[str, str, LocalityKind, float, tuple[Street, ...]]]]]
] = {
    ZHAMBYL: [
        ("10", "г. Тараз", "Тараз қаласы", [("Тараз", "Тараз", C, 40, _TARAZ_STREETS)]),
        ("20", "Байзакский район", "Байзақ ауданы", [("Сарыкемер", "Сарыкемер", V, 3, _VILLAGE_STREETS)]),
        ("22", "Жамбылский район", "Жамбыл ауданы", [("Аса", "Аса", V, 3, _VILLAGE_STREETS)]),
        (
            "24",
            "Жуалынский район",
            "Жуалы ауданы",
            [("Бауыржан Момышулы", "Бауыржан Момышұлы", V, 2, _VILLAGE_STREETS)],
        ),
        (
            "26",
            "Кордайский район",
            "Қордай ауданы",
            [("Кордай", "Қордай", V, 4, _VILLAGE_STREETS), ("Сортобе", "Сортөбе", V, 2, _VILLAGE_STREETS)],
        ),
        ("28", "Меркенский район", "Меркі ауданы", [("Мерке", "Меркі", V, 3, _VILLAGE_STREETS)]),
        ("30", "Мойынкумский район", "Мойынқұм ауданы", [("Мойынкум", "Мойынқұм", V, 1, _VILLAGE_STREETS)]),
        ("32", "Сарысуский район", "Сарысу ауданы", [("Жанатас", "Жаңатас", C, 2, _COMMON_STREETS)]),
        ("34", "Таласский район", "Талас ауданы", [("Каратау", "Қаратау", C, 2, _COMMON_STREETS)]),
        (
            "36",
            "Шуский район",
            "Шу ауданы",
            [("Шу", "Шу", C, 4, _COMMON_STREETS), ("Толе би", "Төле би", V, 2, _VILLAGE_STREETS)],
        ),
        (
            "38",
            "район Турара Рыскулова",
            "Тұрар Рысқұлов ауданы",
            [("Кулан", "Құлан", V, 2, _VILLAGE_STREETS)],
        ),
    ],
    EAST_KAZAKHSTAN: [
        (
            "10",
            "г. Усть-Каменогорск",
            "Өскемен қаласы",
            [("Усть-Каменогорск", "Өскемен", C, 40, _OSKEMEN_STREETS)],
        ),
        ("12", "г. Риддер", "Риддер қаласы", [("Риддер", "Риддер", C, 8, _COMMON_STREETS)]),
        ("20", "Алтайский район", "Алтай ауданы", [("Алтай", "Алтай", C, 6, _COMMON_STREETS)]),
        ("22", "Глубоковский район", "Глубокое ауданы", [("Глубокое", "Глубокое", S, 4, _VILLAGE_STREETS)]),
        ("24", "Зайсанский район", "Зайсан ауданы", [("Зайсан", "Зайсан", C, 4, _COMMON_STREETS)]),
        (
            "26",
            "Катон-Карагайский район",
            "Катонқарағай ауданы",
            [("Улкен Нарын", "Үлкен Нарын", V, 2, _VILLAGE_STREETS)],
        ),
        ("28", "Курчумский район", "Күршім ауданы", [("Курчум", "Күршім", V, 2, _VILLAGE_STREETS)]),
        (
            "30",
            "Шемонаихинский район",
            "Шемонаиха ауданы",
            [("Шемонаиха", "Шемонаиха", C, 4, _COMMON_STREETS)],
        ),
        (
            "32",
            "Уланский район",
            "Ұлан ауданы",
            [("Касыма Кайсенова", "Қасым Қайсенов", S, 2, _VILLAGE_STREETS)],
        ),
        ("34", "Тарбагатайский район", "Тарбағатай ауданы", [("Аксуат", "Ақсуат", V, 2, _VILLAGE_STREETS)]),
    ],
    WEST_KAZAKHSTAN: [
        ("10", "г. Уральск", "Орал қаласы", [("Уральск", "Орал", C, 45, _ORAL_STREETS)]),
        ("20", "Бурлинский район", "Бөрлі ауданы", [("Аксай", "Ақсай", C, 10, _COMMON_STREETS)]),
        ("22", "Акжаикский район", "Ақжайық ауданы", [("Чапаев", "Шапаев", V, 3, _VILLAGE_STREETS)]),
        (
            "24",
            "Байтерекский район",
            "Бәйтерек ауданы",
            [("Перемётное", "Переметное", V, 4, _VILLAGE_STREETS)],
        ),
        ("26", "Теректинский район", "Теректі ауданы", [("Фёдоровка", "Федоровка", V, 3, _VILLAGE_STREETS)]),
        ("28", "Таскалинский район", "Тасқала ауданы", [("Таскала", "Тасқала", V, 2, _VILLAGE_STREETS)]),
        ("30", "Жанибекский район", "Жәнібек ауданы", [("Жанибек", "Жәнібек", V, 2, _VILLAGE_STREETS)]),
        ("32", "Казталовский район", "Қазталов ауданы", [("Казталовка", "Қазталов", V, 2, _VILLAGE_STREETS)]),
        ("34", "Сырымский район", "Сырым ауданы", [("Жымпиты", "Жымпиты", V, 2, _VILLAGE_STREETS)]),
        (
            "36",
            "Чингирлауский район",
            "Шыңғырлау ауданы",
            [("Чингирлау", "Шыңғырлау", V, 2, _VILLAGE_STREETS)],
        ),
    ],
}

DISTRICTS: dict[str, District] = {}
LOCALITIES: dict[str, Locality] = {}
for _region_code, _districts in _LAYOUT.items():
    for _number, _d_ru, _d_kz, _localities in _districts:
        _district_code = f"{_region_code[:2]}{_number}00000"
        DISTRICTS[_district_code] = District(_district_code, _d_ru, _d_kz, _region_code)
        for _index, (_l_ru, _l_kz, _kind, _weight, _street_pool) in enumerate(_localities, start=1):
            _locality_code = f"{_region_code[:2]}{_number}{_index:02d}000"
            LOCALITIES[_locality_code] = Locality(
                _locality_code, _l_ru, _l_kz, _kind, _region_code, _district_code, _weight, _street_pool
            )

# Birthplaces abroad: older Russians born in the RSFSR, oralmans (seed 003, service 11) from China,
# Mongolia and Uzbekistan. Codes are <ISO country>-<number>.
FOREIGN_REGIONS: dict[str, Region] = {
    "643-55": Region("643-55", "Омская область", "Омбы облысы", "643"),
    "643-56": Region("643-56", "Оренбургская область", "Орынбор облысы", "643"),
    "860-10": Region("860-10", "Ташкентская область", "Ташкент облысы", "860"),
    "156-65": Region(
        "156-65", "Синьцзян-Уйгурский автономный район", "Шыңжаң Ұйғыр автономиялық ауданы", "156"
    ),
    "496-01": Region("496-01", "Баян-Улгийский аймак", "Баян-Өлгий аймағы", "496"),
}
FOREIGN_LOCALITIES: dict[str, Locality] = {
    "643-55-01": Locality("643-55-01", "Омск", "Омбы", C, "643-55", None, 1, ()),
    "643-56-01": Locality("643-56-01", "Оренбург", "Орынбор", C, "643-56", None, 1, ()),
    "860-10-01": Locality("860-10-01", "Ташкент", "Ташкент", C, "860-10", None, 1, ()),
    "156-65-01": Locality("156-65-01", "Урумчи", "Үрімжі", C, "156-65", None, 1, ()),
    "156-65-02": Locality("156-65-02", "Кульджа", "Құлжа", C, "156-65", None, 1, ()),
    "496-01-01": Locality("496-01-01", "Улгий", "Өлгий", C, "496-01", None, 1, ()),
}

ALL_REGIONS: dict[str, Region] = {**REGIONS, **FOREIGN_REGIONS}
ALL_LOCALITIES: dict[str, Locality] = {**LOCALITIES, **FOREIGN_LOCALITIES}

REGION_DICTIONARY = Dictionary("region", (region.value for region in ALL_REGIONS.values()))
DISTRICT_DICTIONARY = Dictionary("district", (district.value for district in DISTRICTS.values()))
LOCALITY_DICTIONARY = Dictionary("locality", (locality.value for locality in ALL_LOCALITIES.values()))


def localities_of(region_code: str) -> list[Locality]:
    return [locality for locality in LOCALITIES.values() if locality.region == region_code]


def find_region(value: str) -> Region | None:
    """A seeds' region by code, or by a case-insensitive part of its Russian or Kazakh name."""
    if value in REGIONS:
        return REGIONS[value]
    needle = value.casefold().strip()
    if not needle:
        return None
    for region in REGIONS.values():
        if needle in region.name_ru.casefold() or needle in region.name_kz.casefold():
            return region
    return None
