"""H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении» (seed 004): РПН's rules.

Pure functions, no I/O:

* :func:`term` — the one working day of item 3 counted as item 7 says: a request registered after
  18:00 on a working day, on a weekend or a holiday counts from 9:00 of the next working day
  (``registered_for``); it is due one working day later on the working calendar (``due_at``, the
  regulation's norm).
* :func:`check_request` — condition 3 (portal) / step 6 (provider): the grounds of item 9 in the
  order the provider checks them; the first one found is the ground of the motivated refusal:

  1. ``NO_CONSENT`` — no consent to access restricted personal data (item 9 3));
  2. ``UNRELIABLE_DATA`` — ГБД ФЛ has no such person, the names differ from the request, the
     person's identity document is expired (no valid one listed), the person is deceased, or the
     date of the clinical results is after the request (item 9 1));
  3. ``REQUIREMENTS_NOT_MET`` — the recipient is not actively attached to the organisation, no file
     of clinical results is attached, or the results are older than :data:`FRESHNESS_DAYS` days at
     the request (item 9 2)). The 30 days are OUR reading of item 8's «согласно клиническим
     протоколам диагностики и лечения»: the seed names no period.

* :func:`recommend` — what the card 069/у recommends for a main diagnosis (ICD-10 chapter): the
  treatment profile, the climate zone and the season. OUR table (the seed and the form leave the
  choice to the doctor); the workstation's doctor may change every field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from egov_kit.calendar import WorkingCalendar, get_calendar
from egov_kit.documents.h3 import (
    NO_CONSENT,
    REQUIREMENTS_NOT_MET,
    UNRELIABLE_DATA,
    SanatoriumApplication,
)
from egov_kit.regulations import load_regulation

from phc_registry.domain.errors import PhcError
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import MedicalOrganisation, PersonLookup
from phc_registry.domain.rules import deceased, same_names


class AlreadyDecided(PhcError):
    """The request has its card or refusal already."""

    code = "ALREADY_DECIDED"


class CardNotAllowed(PhcError):
    """Step 6 found a ground of item 9: only a motivated refusal can follow (step 7)."""

    code = "CARD_NOT_ALLOWED"


class DraftRequired(PhcError):
    """A signed decision came before its form (the card or the refusal to sign)."""

    code = "DRAFT_REQUIRED"


class FileRefused(PhcError):
    """A file of the clinical results refused (the kit's ``ATTACHMENT_*`` code); nothing stored."""

    code = "ATTACHMENT_REFUSED"


class UnknownGround(PhcError):
    """A refusal ground that is not one of item 9's three."""

    code = "UNKNOWN_GROUND"


FRESHNESS_DAYS = 30  # ours: how old the clinical and diagnostic results may be at the request
REGULATION_ID = "H3"


@dataclass(frozen=True, slots=True)
class Term:
    """When the one working day counts from and when it ends."""

    registered_for: datetime
    due_at: datetime

    def overdue(self, at: datetime) -> bool:
        return at > self.due_at


def term(submitted_at: datetime, calendar: WorkingCalendar | None = None) -> Term:
    """Item 7 and item 3: ``registered_for`` = the registration moment (18:00 cut-off, weekends and
    holidays → 9:00 of the next working day), ``due_at`` = one working day later (the norm)."""
    cal = calendar or get_calendar()
    registered_for = cal.registration_moment(submitted_at)
    due_at = load_regulation(REGULATION_ID).norm.deadline().due(registered_for, cal)
    return Term(registered_for, due_at)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(get_calendar().tz).date()


def check_request(
    application: SanatoriumApplication,
    lookup: PersonLookup,
    organisation: MedicalOrganisation | None,
    attached_to: str | None,
) -> Violation | None:
    """The grounds of item 9 in order (``attached_to``: the organisation of the active attachment)."""
    iin = application.recipient.iin
    if not application.consent:
        return Violation(
            NO_CONSENT,
            "Услугополучатель не дал согласия на доступ к персональным данным ограниченного доступа",
            "Көрсетілетін қызметті алушы қолжетімділігі шектеулі дербес деректерге қол жеткізуге "
            "келісім бермеген",
        )
    unreliable = _unreliable(application, lookup)
    if unreliable is not None:
        return unreliable
    code = application.organisation_code
    if organisation is None or attached_to != organisation.code:
        where = attached_to or "—"
        name_ru = organisation.name_ru if organisation else code
        name_kk = organisation.name_kk if organisation else code
        return Violation(
            REQUIREMENTS_NOT_MET,
            f"Услугополучатель (ИИН {iin}) не прикреплён к {name_ru} (текущее прикрепление: {where})",
            f"Көрсетілетін қызметті алушы (ЖСН {iin}) {name_kk} ұйымына бекітілмеген "
            f"(қазіргі бекіту: {where})",
        )
    if not application.files:
        return Violation(
            REQUIREMENTS_NOT_MET,
            "Не приложены результаты клинико-диагностических исследований",
            "Клиникалық-диагностикалық зерттеулердің нәтижелері қоса берілмеген",
        )
    submitted = _local_day(application.submitted_at)
    oldest = submitted - timedelta(days=FRESHNESS_DAYS)
    if application.examined_on < oldest:
        return Violation(
            REQUIREMENTS_NOT_MET,
            f"Результаты исследований от {application.examined_on:%d.%m.%Y} старше {FRESHNESS_DAYS} "
            f"дней на дату запроса {submitted:%d.%m.%Y}",
            f"{application.examined_on:%d.%m.%Y} күнгі зерттеулер нәтижелері сұрау күніне "
            f"({submitted:%d.%m.%Y}) {FRESHNESS_DAYS} күннен ескі",
        )
    return None


def _unreliable(application: SanatoriumApplication, lookup: PersonLookup) -> Violation | None:
    iin = application.recipient.iin
    person = lookup.person
    if lookup.status == "absent" or person is None:
        return Violation(
            UNRELIABLE_DATA,
            f"По ИИН {iin} сведения в ГБД ФЛ отсутствуют",
            f"ЖСН {iin} бойынша ЖТ ММБ-да мәліметтер жоқ",
        )
    if lookup.status == "deceased" or person.deceased:
        return deceased(UNRELIABLE_DATA, iin, person)
    recipient = application.recipient
    if not same_names(recipient, person):
        return Violation(
            UNRELIABLE_DATA,
            f"ФИО в запросе ({recipient.full_name}) не совпадает с ГБД ФЛ ({person.full_name})",
            f"Сұраудағы аты-жөні ({recipient.full_name}) ЖТ ММБ-ға ({person.full_name}) сәйкес келмейді",
        )
    if person.identity_document_valid is False:
        return Violation(
            UNRELIABLE_DATA,
            f"По данным ГБД ФЛ у лица с ИИН {iin} нет действительного документа, удостоверяющего "
            "личность (срок действия истёк)",
            f"ЖТ ММБ деректері бойынша ЖСН {iin} тұлғасының жарамды жеке басын куәландыратын құжаты "
            "жоқ (мерзімі өткен)",
        )
    if application.examined_on > _local_day(application.submitted_at):
        return Violation(
            UNRELIABLE_DATA,
            f"Дата исследований {application.examined_on:%d.%m.%Y} позже даты запроса",
            f"Зерттеулер күні {application.examined_on:%d.%m.%Y} сұрау күнінен кейін",
        )
    return None


# --- what the card recommends (ours) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recommendation:
    profile_ru: str
    profile_kk: str
    climate_ru: str
    climate_kk: str
    season_ru: str
    season_kk: str


_ALL_YEAR = ("круглогодично", "жыл бойы")
_MINERAL_WATERS = (
    "бальнеологические курорты с питьевыми минеральными водами (Сарыагаш)",
    "ішетін минералды сулары бар бальнеологиялық курорттар (Сарыағаш)",
)

# ICD-10 chapter letter → (profile ru, kk), (climate zone ru, kk), (season ru, kk). Ours.
_BY_CHAPTER: dict[str, tuple[tuple[str, str], tuple[str, str], tuple[str, str]]] = {
    "I": (
        ("болезни системы кровообращения", "қан айналымы жүйесінің аурулары"),
        (
            "местные санатории кардиологического профиля (без резкой смены климата)",
            "кардиологиялық бейіндегі жергілікті санаторийлер (климаттың күрт ауысуынсыз)",
        ),
        ("весна, осень", "көктем, күз"),
    ),
    "J": (
        ("болезни органов дыхания", "тыныс алу ағзаларының аурулары"),
        (
            "климатические курорты лесной и горной зоны (Бурабай)",
            "орманды және таулы аймақтың климаттық курорттары (Бурабай)",
        ),
        ("лето, ранняя осень", "жаз, ерте күз"),
    ),
    "K": (("болезни органов пищеварения", "ас қорыту ағзаларының аурулары"), _MINERAL_WATERS, _ALL_YEAR),
    "N": (("болезни мочеполовой системы", "несеп-жыныс жүйесінің аурулары"), _MINERAL_WATERS, _ALL_YEAR),
    "E": (
        (
            "болезни эндокринной системы, расстройства питания и обмена веществ",
            "эндокриндік жүйе аурулары, тамақтанудың және зат алмасудың бұзылулары",
        ),
        _MINERAL_WATERS,
        _ALL_YEAR,
    ),
    "M": (
        (
            "болезни костно-мышечной системы и соединительной ткани",
            "сүйек-бұлшықет жүйесі мен дәнекер тінінің аурулары",
        ),
        ("грязелечебные курорты (Мойылды, Алаколь)", "балшықпен емдеу курорттары (Мойылды, Алакөл)"),
        ("весна, лето, осень", "көктем, жаз, күз"),
    ),
    "G": (
        ("болезни нервной системы", "жүйке жүйесінің аурулары"),
        (
            "бальнеологические курорты с радоновыми водами (Алмаарасан, Капал-Арасан)",
            "радонды сулары бар бальнеологиялық курорттар (Алмаарасан, Қапал-Арасан)",
        ),
        _ALL_YEAR,
    ),
    "L": (
        ("болезни кожи и подкожной клетчатки", "тері және тері асты шелінің аурулары"),
        (
            "курорты с сульфидными водами и лечебными грязями (Алаколь)",
            "күкіртсутекті сулары мен емдік балшығы бар курорттар (Алакөл)",
        ),
        ("лето", "жаз"),
    ),
}
_DEFAULT = (
    ("общетерапевтический профиль", "жалпы терапиялық бейін"),
    ("местные санатории", "жергілікті санаторийлер"),
    _ALL_YEAR,
)


def recommend(diagnosis_code: str) -> Recommendation:
    """The card's suggested profile, climate zone and season for an ICD-10 code (ours)."""
    profile, climate, season = _BY_CHAPTER.get(diagnosis_code.strip()[:1].upper(), _DEFAULT)
    return Recommendation(profile[0], profile[1], climate[0], climate[1], season[0], season[1])
