"""Documented test persons: fixed ИИН that never change, one per archetype.

Every integrator's example uses them (the table is in gbd-fl-mock/README.md and the top-level
README). Their ИИН use serials 9000-9999, which the generated population never uses, so they can
never collide with it, and :data:`ABSENT_IIN` (valid check digit) is guaranteed to be missing.
enis-mock's test powers of attorney refer to :data:`PRINCIPAL_IIN` and :data:`REPRESENTATIVE_IIN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain.model import Address, BirthPlace, Disability, IdentityDocument, Person

ADULT_IIN = "880412390017"
ADULT_VKO_IIN = "790923490082"
ADULT_ZKO_IIN = "920205490157"
MINOR_IIN = "150601590223"
PENSIONER_IIN = "541130390295"
DISABLED_IIN = "700315490368"
DECEASED_IIN = "500720390430"
ABSENT_IIN = "900101390508"
EXPIRED_DOCUMENT_IIN = "850808490576"
PRINCIPAL_IIN = "480509490641"
REPRESENTATIVE_IIN = "801017390711"

TARAZ = "311001000"
SHU = "313601000"
KORDAI = "312601000"
OSKEMEN = "631001000"
RIDDER = "631201000"
ORAL = "271001000"
AKSAI = "272001000"


@dataclass(frozen=True, slots=True)
class TestPerson:
    archetype: str
    purpose_en: str
    purpose_ru: str
    purpose_kz: str
    iin: str
    person: Person | None  # None: the ИИН is valid but absent from the register

    __test__ = False  # not a pytest test class


def _id_card(number: str, begin: date, end: date, status: str = d.DOC_VALID) -> IdentityDocument:
    return IdentityDocument(d.ID_CARD, number, begin, end, d.MINISTRY_OF_INTERNAL_AFFAIRS, status)


def _born_at(locality: str) -> BirthPlace:
    return BirthPlace(d.KAZAKHSTAN, locality[:2] + "0000000", locality)


ADULT = Person(
    iin=ADULT_IIN,
    surname="Ахметов",
    name="Ерлан",
    patronymic="Серікович",
    birth_date=date(1988, 4, 12),
    gender=d.MALE,
    birth_place=_born_at(TARAZ),
    reg_address=Address(TARAZ, "ул. Толе би", "Төле би көшесі", "45", "12", date(2015, 3, 10)),
    documents=(_id_card("041880412", date(2023, 5, 14), date(2033, 5, 13)),),
)

TEST_PERSONS: tuple[TestPerson, ...] = (
    TestPerson(
        "adult",
        "Default example: a plain adult in Жамбылская обл. (Тараз); found, alive, valid ID card",
        "Пример по умолчанию: совершеннолетний житель Жамбылской области (г. Тараз)",
        "Әдепкі мысал: Жамбыл облысының кәмелетке толған тұрғыны (Тараз қ.)",
        ADULT_IIN,
        ADULT,
    ),
    TestPerson(
        "adult_vko",
        "Adult in Восточно-Казахстанская обл. (Усть-Каменогорск), seed 001",
        "Совершеннолетний житель Восточно-Казахстанской области (г. Усть-Каменогорск)",
        "Шығыс Қазақстан облысының кәмелетке толған тұрғыны (Өскемен қ.)",
        ADULT_VKO_IIN,
        Person(
            iin=ADULT_VKO_IIN,
            surname="Иванова",
            name="Светлана",
            patronymic="Петровна",
            birth_date=date(1979, 9, 23),
            gender=d.FEMALE,
            nationality=d.RUSSIAN,
            birth_place=_born_at(OSKEMEN),
            reg_address=Address(OSKEMEN, "ул. Казахстан", "Қазақстан көшесі", "70", "5", date(2010, 6, 1)),
            documents=(_id_card("045790923", date(2023, 10, 2), date(2033, 10, 1)),),
        ),
    ),
    TestPerson(
        "adult_zko",
        "Adult in Западно-Казахстанская обл. (Уральск), seed 003",
        "Совершеннолетний житель Западно-Казахстанской области (г. Уральск)",
        "Батыс Қазақстан облысының кәмелетке толған тұрғыны (Орал қ.)",
        ADULT_ZKO_IIN,
        Person(
            iin=ADULT_ZKO_IIN,
            surname="Жумабаева",
            name="Айгүл",
            patronymic="Маратқызы",
            birth_date=date(1992, 2, 5),
            gender=d.FEMALE,
            birth_place=_born_at(ORAL),
            reg_address=Address(ORAL, "ул. Евразия", "Еуразия көшесі", "120", "44", date(2016, 9, 15)),
            documents=(
                _id_card("046920205", date(2024, 2, 10), date(2034, 2, 9)),
                IdentityDocument(
                    d.PASSPORT,
                    "N46920205",
                    date(2024, 3, 1),
                    date(2034, 2, 28),
                    d.MINISTRY_OF_INTERNAL_AFFAIRS,
                ),
            ),
        ),
    ),
    TestPerson(
        "minor",
        "Minor (born 2015, son of the default adult): birth certificate only, capableStatus 4",
        "Несовершеннолетний (2015 г. р., сын основного тестового лица), только свидетельство о рождении",
        "Кәмелетке толмаған (2015 ж. т., негізгі сынақ тұлғасының ұлы), тек туу туралы куәлік",
        MINOR_IIN,
        Person(
            iin=MINOR_IIN,
            surname="Ахметов",
            name="Әлихан",
            patronymic="Ерланұлы",
            birth_date=date(2015, 6, 1),
            gender=d.MALE,
            birth_place=_born_at(TARAZ),
            reg_address=Address(TARAZ, "ул. Толе би", "Төле би көшесі", "45", "12", date(2015, 6, 20)),
            documents=(
                IdentityDocument(d.BIRTH_CERTIFICATE, "1506011", date(2015, 6, 10), None, d.CIVIL_REGISTRY),
            ),
        ),
    ),
    TestPerson(
        "pensioner",
        "Pensioner (born 1954 in Омск) in Жамбылская обл. (Шу)",
        "Пенсионер (1954 г. р., родился в Омске), Жамбылская область, г. Шу",
        "Зейнеткер (1954 ж. т., Омбыда туған), Жамбыл облысы, Шу қ.",
        PENSIONER_IIN,
        Person(
            iin=PENSIONER_IIN,
            surname="Петров",
            name="Виктор",
            patronymic="Иванович",
            birth_date=date(1954, 11, 30),
            gender=d.MALE,
            nationality=d.RUSSIAN,
            birth_place=BirthPlace("643", "643-55", "643-55-01"),
            reg_address=Address(SHU, "ул. Абая", "Абай көшесі", "17", None, date(1985, 4, 2)),
            documents=(_id_card("040541130", date(2024, 12, 2), date(2034, 12, 1)),),
        ),
    ),
    TestPerson(
        "disabled",
        "Disabled person, group II without re-examination date, ЗКО (Аксай); seed 003 services",
        "Лицо с инвалидностью второй группы (бессрочно), Западно-Казахстанская область, г. Аксай",
        "Екінші топтағы мүгедектігі бар адам (мерзімсіз), Батыс Қазақстан облысы, Ақсай қ.",
        DISABLED_IIN,
        Person(
            iin=DISABLED_IIN,
            surname="Сапарова",
            name="Гүлнар",
            patronymic="Бекзатқызы",
            birth_date=date(1970, 3, 15),
            gender=d.FEMALE,
            birth_place=_born_at(AKSAI),
            reg_address=Address(AKSAI, "ул. Достык", "Достық көшесі", "8", "3", date(2001, 5, 11)),
            documents=(_id_card("047700315", date(2023, 3, 20), date(2033, 3, 19)),),
            disability=Disability(d.DISABILITY_GROUP_2, date(2019, 4, 1), None),
        ),
    ),
    TestPerson(
        "deceased",
        "Deceased on 2023-12-03, ВКО (Риддер): answer 00002 with lifeStatus 2 and deathDate",
        "Умерший (дата смерти 03.12.2023), Восточно-Казахстанская область, г. Риддер",
        "Қайтыс болған (03.12.2023), Шығыс Қазақстан облысы, Риддер қ.",
        DECEASED_IIN,
        Person(
            iin=DECEASED_IIN,
            surname="Омаров",
            name="Болат",
            patronymic="Қайратұлы",
            birth_date=date(1950, 7, 20),
            gender=d.MALE,
            death_date=date(2023, 12, 3),
            birth_place=_born_at(RIDDER),
            reg_address=Address(RIDDER, "ул. Гагарина", "Гагарин көшесі", "12", "7", date(1979, 2, 14)),
            documents=(_id_card("040500720", date(2016, 8, 1), date(2026, 7, 31), d.DOC_VOID_DEATH),),
        ),
    ),
    TestPerson(
        "absent",
        "Valid ИИН (correct check digit) that is NOT in the register: answer 00001",
        "Корректный ИИН, отсутствующий в ГБД ФЛ",
        "ЖТ ММБ-да жоқ дұрыс ЖСН",
        ABSENT_IIN,
        None,
    ),
    TestPerson(
        "expired_document",
        "Adult whose only ID card expired on 2022-08-06, Жамбылская обл. (Кордай)",
        "Лицо с истёкшим удостоверением личности (до 06.08.2022), Жамбылская область, с. Кордай",
        "Жеке куәлігінің мерзімі өткен адам (06.08.2022 дейін), Жамбыл облысы, Қордай ауылы",
        EXPIRED_DOCUMENT_IIN,
        Person(
            iin=EXPIRED_DOCUMENT_IIN,
            surname="Ким",
            name="Ольга",
            patronymic="Викторовна",
            birth_date=date(1985, 8, 8),
            gender=d.FEMALE,
            nationality="008",
            birth_place=_born_at(KORDAI),
            reg_address=Address(KORDAI, "ул. Абая", "Абай көшесі", "33", None, date(2008, 10, 1)),
            documents=(_id_card("043850808", date(2012, 8, 7), date(2022, 8, 6)),),
        ),
    ),
    TestPerson(
        "principal",
        "Principal of notarised powers of attorney in enis-mock; group I disability, ЗКО (Уральск)",
        "Доверитель по нотариальным доверенностям (ЕНИС), инвалидность первой группы, г. Уральск",
        "Нотариалдық сенімхаттар бойынша сенім білдіруші (БНАЖ), бірінші топ мүгедектігі, Орал қ.",
        PRINCIPAL_IIN,
        Person(
            iin=PRINCIPAL_IIN,
            surname="Нурпеисова",
            name="Бибігүл",
            patronymic="Оспанқызы",
            birth_date=date(1948, 5, 9),
            gender=d.FEMALE,
            birth_place=_born_at(ORAL),
            reg_address=Address(ORAL, "ул. Курмангазы", "Құрманғазы көшесі", "15", "9", date(1990, 7, 3)),
            documents=(_id_card("044480509", date(2024, 5, 6), date(2034, 5, 5)),),
            disability=Disability(d.DISABILITY_GROUP_1, date(2021, 11, 1), None),
        ),
    ),
    TestPerson(
        "representative",
        "Representative (the principal's son) named in enis-mock's powers of attorney, ЗКО (Уральск)",
        "Представитель (сын доверителя) по нотариальным доверенностям (ЕНИС), г. Уральск",
        "Нотариалдық сенімхаттар бойынша өкіл (сенім білдірушінің ұлы), Орал қ.",
        REPRESENTATIVE_IIN,
        Person(
            iin=REPRESENTATIVE_IIN,
            surname="Нурпеисов",
            name="Данияр",
            patronymic="Ғалымұлы",
            birth_date=date(1980, 10, 17),
            gender=d.MALE,
            birth_place=_born_at(ORAL),
            reg_address=Address(ORAL, "ул. Курмангазы", "Құрманғазы көшесі", "15", "9", date(2004, 4, 20)),
            documents=(_id_card("044801017", date(2024, 10, 21), date(2034, 10, 20)),),
        ),
    ),
)

TEST_PERSONS_BY_ARCHETYPE: dict[str, TestPerson] = {entry.archetype: entry for entry in TEST_PERSONS}
# ИИН the generated population must never use: the test persons and the absent one.
RESERVED_IINS: frozenset[str] = frozenset(entry.iin for entry in TEST_PERSONS)


def stored_test_persons() -> list[Person]:
    return [entry.person for entry in TEST_PERSONS if entry.person is not None]
