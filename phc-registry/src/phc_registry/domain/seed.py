"""Seed data of РПН: medical organisations of the seeds' regions, their sections, staff and attachments.

Places use ГБД ФЛ's codes (gbd-fl-mock's ``domain/geography.py``): Жамбылская область (seeds 000,
002) — Тараз, Шу, Кордай; Восточно-Казахстанская — Усть-Каменогорск, Риддер; Западно-Казахстанская —
Уральск, Аксай. БИН and ИИН have valid check digits. Every employee logs in to the workstation with
their ИИН and :data:`DEV_PASSWORD`; the head of each organisation (``authorised``) signs talons and
refusals with an employee certificate (role right_of_signature) enrolled from nuc-mock at start.
The table is documented in ``phc-registry/README.md``.
"""

from __future__ import annotations

from datetime import date

from egov_kit.documents.records import Street

from phc_registry.domain.model import Attachment, Locality, MedicalOrganisation, Section, StaffMember

DEV_PASSWORD = "phc-dev-password"  # noqa: S105 (documented test credential)

ZHAMBYL = "310000000"
EAST_KAZAKHSTAN = "630000000"
WEST_KAZAKHSTAN = "270000000"

REGIONS: dict[str, tuple[str, str]] = {
    ZHAMBYL: ("Жамбылская область", "Жамбыл облысы"),
    EAST_KAZAKHSTAN: ("Восточно-Казахстанская область", "Шығыс Қазақстан облысы"),
    WEST_KAZAKHSTAN: ("Западно-Казахстанская область", "Батыс Қазақстан облысы"),
}

TARAZ = Locality("311001000", ZHAMBYL, "г. Тараз", "Тараз қ.")
SHU = Locality("313601000", ZHAMBYL, "г. Шу", "Шу қ.")
TOLE_BI = Locality("313602000", ZHAMBYL, "с. Толе би", "Төле би ауылы")
KORDAI = Locality("312601000", ZHAMBYL, "с. Кордай", "Қордай ауылы")
SORTOBE = Locality("312602000", ZHAMBYL, "с. Сортобе", "Сортөбе ауылы")
OSKEMEN = Locality("631001000", EAST_KAZAKHSTAN, "г. Усть-Каменогорск", "Өскемен қ.")
RIDDER = Locality("631201000", EAST_KAZAKHSTAN, "г. Риддер", "Риддер қ.")
ORAL = Locality("271001000", WEST_KAZAKHSTAN, "г. Уральск", "Орал қ.")
AKSAI = Locality("272001000", WEST_KAZAKHSTAN, "г. Аксай", "Ақсай қ.")

LOCALITIES: dict[str, Locality] = {
    locality.code: locality
    for locality in (TARAZ, SHU, TOLE_BI, KORDAI, SORTOBE, OSKEMEN, RIDDER, ORAL, AKSAI)
}

_THERAPIST = ("Участковый врач-терапевт", "Учаскелік терапевт дәрігер")
_GP = ("Врач общей практики", "Жалпы практика дәрігері")
_HEAD = ("Главный врач", "Бас дәрігер")
_REGISTRAR = ("Медицинский регистратор", "Медициналық тіркеуші")


def _section(number: str, locality: Locality, *streets: tuple[str, str]) -> Section:
    kind_ru, kind_kk = ("Терапевтический участок", "Терапиялық учаске")
    if not streets:
        kind_ru, kind_kk = ("Участок общей практики", "Жалпы практика учаскесі")
    return Section(
        number,
        f"{kind_ru} №{number}",
        f"№{number} {kind_kk.lower()}",
        locality,
        tuple(Street(ru, kk) for ru, kk in streets),
    )


def _staff(
    organisation: str,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str,
    position: tuple[str, str],
    *,
    section: str | None = None,
    authorised: bool = False,
) -> StaffMember:
    return StaffMember(
        iin, surname, given_name, patronymic, organisation, position[0], position[1], section, authorised
    )


def _org(
    code: str,
    bin_: str,
    names: tuple[str, str],
    address: tuple[str, str],
    locality: Locality,
    sections: tuple[Section, ...],
    staff: list[tuple[str, str, str, str, tuple[str, str], str | None, bool]],
) -> MedicalOrganisation:
    return MedicalOrganisation(
        code=code,
        bin=bin_,
        name_ru=names[0],
        name_kk=names[1],
        address_ru=address[0],
        address_kk=address[1],
        locality=locality,
        sections=sections,
        staff=tuple(
            _staff(code, iin, surname, given, patronymic, position, section=section, authorised=authorised)
            for iin, surname, given, patronymic, position, section, authorised in staff
        ),
    )


ORGANISATIONS: tuple[MedicalOrganisation, ...] = (
    _org(
        "ZHM-TRZ-01",
        "050240001112",
        (
            "КГП на ПХВ «Городская поликлиника №1 г. Тараз»",
            "«Тараз қаласының №1 қалалық емханасы» ШЖҚ КМК",
        ),
        ("г. Тараз, ул. Толе би, 80", "Тараз қ., Төле би көшесі, 80"),
        TARAZ,
        (
            _section(
                "1",
                TARAZ,
                ("ул. Толе би", "Төле би көшесі"),
                ("ул. Абая", "Абай көшесі"),
                ("ул. Жамбыла", "Жамбыл көшесі"),
                ("пр. Жамбыла", "Жамбыл даңғылы"),
            ),
            _section(
                "2",
                TARAZ,
                ("ул. Казыбек би", "Қазыбек би көшесі"),
                ("ул. Айтеке би", "Әйтеке би көшесі"),
                ("ул. Сулейменова", "Сүлейменов көшесі"),
            ),
            _section("3", TARAZ),
        ),
        [
            ("720314450019", "Садыкова", "Гульмира", "Асановна", _HEAD, None, True),
            ("900721450020", "Бекова", "Динара", "Ерлановна", _REGISTRAR, None, False),
            ("851102350030", "Нурланов", "Арман", "Бауыржанович", _THERAPIST, "1", False),
            ("800509450047", "Ким", "Елена", "Сергеевна", _THERAPIST, "2", False),
            ("780130350054", "Жаксылыков", "Ерболат", "Маратович", _GP, "3", False),
        ],
    ),
    _org(
        "ZHM-TRZ-05",
        "070340002128",
        (
            "КГП на ПХВ «Городская поликлиника №5 г. Тараз»",
            "«Тараз қаласының №5 қалалық емханасы» ШЖҚ КМК",
        ),
        ("г. Тараз, ул. Сатпаева, 12", "Тараз қ., Сәтбаев көшесі, 12"),
        TARAZ,
        (
            _section(
                "1",
                TARAZ,
                ("ул. Ниеткалиева", "Ниетқалиев көшесі"),
                ("ул. Сатпаева", "Сәтбаев көшесі"),
                ("ул. Ауэзова", "Әуезов көшесі"),
            ),
            _section(
                "2",
                TARAZ,
                ("ул. Байтурсынова", "Байтұрсынов көшесі"),
                ("ул. Кунаева", "Қонаев көшесі"),
                ("ул. Желтоксан", "Желтоқсан көшесі"),
            ),
        ),
        [
            ("690917350063", "Оспанов", "Талгат", "Кайратович", _HEAD, None, True),
            ("950211450077", "Абдрахманова", "Айжан", "Нурлановна", _REGISTRAR, None, False),
            ("831203450081", "Ли", "Виктория", "Александровна", _THERAPIST, "1", False),
            ("870625350094", "Турсунов", "Руслан", "Ахметович", _THERAPIST, "2", False),
        ],
    ),
    _org(
        "ZHM-SHU-01",
        "061140003134",
        (
            "КГП на ПХВ «Шуская центральная районная больница», поликлиника",
            "«Шу орталық аудандық ауруханасы» ШЖҚ КМК, емхана",
        ),
        ("г. Шу, ул. Абая, 5", "Шу қ., Абай көшесі, 5"),
        SHU,
        (_section("1", SHU), _section("2", TOLE_BI)),
        [
            ("660408350111", "Мусабеков", "Серик", "Жумабекович", _HEAD, None, True),
            ("931019450121", "Иманалиева", "Жанар", "Сериковна", _REGISTRAR, None, False),
            ("790812450139", "Ахметжанова", "Салтанат", "Болатовна", _GP, "1", False),
            ("840327350148", "Кузнецов", "Дмитрий", "Олегович", _GP, "2", False),
        ],
    ),
    _org(
        "ZHM-KRD-01",
        "080540004143",
        (
            "КГП на ПХВ «Кордайская центральная районная больница», поликлиника",
            "«Қордай орталық аудандық ауруханасы» ШЖҚ КМК, емхана",
        ),
        ("с. Кордай, ул. Жибек жолы, 21", "Қордай ауылы, Жібек жолы көшесі, 21"),
        KORDAI,
        (_section("1", KORDAI), _section("2", SORTOBE)),
        [
            ("701201350157", "Байжанов", "Нурлан", "Есенович", _HEAD, None, True),
            ("960115450166", "Токтарова", "Алия", "Муратовна", _REGISTRAR, None, False),
            ("810909350176", "Сейткалиев", "Марат", "Ерикович", _GP, "1", False),
            ("880228450183", "Дюсенова", "Асель", "Кайратовна", _GP, "2", False),
        ],
    ),
    _org(
        "VKO-UKG-03",
        "040940005159",
        (
            "КГП на ПХВ «Городская поликлиника №3 г. Усть-Каменогорск»",
            "«Өскемен қаласының №3 қалалық емханасы» ШЖҚ КМК",
        ),
        ("г. Усть-Каменогорск, ул. Казахстан, 35", "Өскемен қ., Қазақстан көшесі, 35"),
        OSKEMEN,
        (
            _section(
                "1",
                OSKEMEN,
                ("ул. Казахстан", "Қазақстан көшесі"),
                ("ул. Протозанова", "Протозанов көшесі"),
                ("ул. Ушанова", "Ушанов көшесі"),
            ),
            _section("2", OSKEMEN),
        ),
        [
            ("680606450196", "Павлова", "Ирина", "Владимировна", _HEAD, None, True),
            ("940404450202", "Калиева", "Меруерт", "Даулетовна", _REGISTRAR, None, False),
            ("761010350219", "Смирнов", "Андрей", "Николаевич", _THERAPIST, "1", False),
            ("860707450222", "Омарова", "Гаухар", "Серикбаевна", _GP, "2", False),
        ],
    ),
    _org(
        "VKO-RDR-01",
        "091240006163",
        ("КГП на ПХВ «Поликлиника г. Риддер»", "«Риддер қаласының емханасы» ШЖҚ КМК"),
        ("г. Риддер, ул. Гагарина, 2", "Риддер қ., Гагарин көшесі, 2"),
        RIDDER,
        (
            _section("1", RIDDER, ("ул. Гагарина", "Гагарин көшесі"), ("ул. Пушкина", "Пушкин көшесі")),
            _section("2", RIDDER),
        ),
        [
            ("650220350235", "Голубев", "Сергей", "Петрович", _HEAD, None, True),
            ("970808450244", "Ержанова", "Камила", "Асхатовна", _REGISTRAR, None, False),
            ("821111450258", "Васильева", "Наталья", "Игоревна", _THERAPIST, "1", False),
            ("890505350263", "Темирбаев", "Азамат", "Русланович", _GP, "2", False),
        ],
    ),
    _org(
        "ZKO-URL-02",
        "030640007172",
        (
            "ГКП на ПХВ «Городская поликлиника №2 г. Уральск»",
            "«Орал қаласының №2 қалалық емханасы» ШЖҚ МКК",
        ),
        ("г. Уральск, ул. Евразия, 90", "Орал қ., Еуразия көшесі, 90"),
        ORAL,
        (
            _section(
                "1",
                ORAL,
                ("ул. Евразия", "Еуразия көшесі"),
                ("ул. Сарайшык", "Сарайшық көшесі"),
                ("ул. Курмангазы", "Құрманғазы көшесі"),
            ),
            _section("2", ORAL),
        ),
        [
            ("670717450277", "Утепова", "Роза", "Жангалиевна", _HEAD, None, True),
            ("920929350287", "Нургалиев", "Данияр", "Берикович", _REGISTRAR, None, False),
            ("800303450295", "Исмаилова", "Карлыгаш", "Тимуровна", _THERAPIST, "1", False),
            ("771212350308", "Фёдоров", "Алексей", "Викторович", _GP, "2", False),
        ],
    ),
    _org(
        "ZKO-AKS-01",
        "100240008181",
        (
            "ГКП на ПХВ «Бурлинская районная больница», поликлиника г. Аксай",
            "«Бөрлі аудандық ауруханасы» ШЖҚ МКК, Ақсай қ. емханасы",
        ),
        ("г. Аксай, ул. Достык, 3", "Ақсай қ., Достық көшесі, 3"),
        AKSAI,
        (_section("1", AKSAI),),
        [
            ("710121350313", "Жубанышев", "Ербол", "Канатович", _HEAD, None, True),
            ("980616450321", "Сулейменова", "Айгерим", "Бахытовна", _REGISTRAR, None, False),
            ("850414350330", "Калмурзаев", "Бекжан", "Сагатович", _GP, "1", False),
        ],
    ),
)

ORGANISATIONS_BY_CODE: dict[str, MedicalOrganisation] = {org.code: org for org in ORGANISATIONS}
EMPLOYERS: dict[str, MedicalOrganisation] = {member.iin: org for org in ORGANISATIONS for member in org.staff}


def organisation(code: str) -> MedicalOrganisation | None:
    return ORGANISATIONS_BY_CODE.get(code)


def employer_of(iin: str) -> MedicalOrganisation | None:
    return EMPLOYERS.get(iin)


def organisations_serving(
    region: str | None = None, locality: str | None = None
) -> list[MedicalOrganisation]:
    """Organisations with a section in ``locality`` and/or in ``region`` (all when neither is given)."""
    found = []
    for org in ORGANISATIONS:
        if region is not None and not any(section.locality.region == region for section in org.sections):
            continue
        if locality is not None and not org.serves_locality(locality):
            continue
        found.append(org)
    return found


# Attachments present before the sandbox starts (history for the documented test persons of ГБД ФЛ).
SEEDED_ATTACHMENTS: tuple[Attachment, ...] = (
    # The default adult of Тараз: attached to polyclinic №5 since 2016; attaching to №1 closes it.
    Attachment("880412390017", "ZHM-TRZ-05", "1", "Ли Виктория Александровна", date(2016, 2, 1)),
    # The ВКО adult: already attached to polyclinic №3 of Усть-Каменогорск (→ ALREADY_ATTACHED there).
    Attachment("790923490082", "VKO-UKG-03", "1", "Смирнов Андрей Николаевич", date(2012, 9, 3)),
    # The pensioner of Шу: attached there since 2005, after an earlier attachment in Кордай.
    Attachment(
        "541130390295",
        "ZHM-KRD-01",
        "1",
        "Сейткалиев Марат Ерикович",
        date(1999, 5, 10),
        detached_on=date(2005, 3, 1),
    ),
    Attachment("541130390295", "ZHM-SHU-01", "1", "Ахметжанова Салтанат Болатовна", date(2005, 3, 1)),
)
