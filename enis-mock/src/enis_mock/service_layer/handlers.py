"""Use cases of ЕНИС, one function each: the ШЭП check and the notary operations."""

from __future__ import annotations

from egov_kit.clock import now
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree
from sqlalchemy.exc import IntegrityError

from enis_mock.adapters import xml_body
from enis_mock.domain.errors import DuplicatePowerOfAttorney, PowerOfAttorneyNotFound
from enis_mock.domain.model import PowerOfAttorney, discloses_details, verify
from enis_mock.domain.test_powers_of_attorney import seeded_powers_of_attorney
from enis_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = "ENIS_PowerOfAttorneySync"


# -- ШЭП: ENIS_PowerOfAttorneySync ---------------------------------------------------------------
def check_power_of_attorney(
    request: etree._Element, context: ShepContext, *, uow_factory: UnitOfWorkFactory
) -> etree._Element:
    """Answer VALID, MISSING, EXPIRED, REVOKED, MISMATCH or OUT_OF_SCOPE, judged at ``clock.now()``.

    A body that breaks the XSD raises SCHEMA_VIOLATION, a wrong ИИН INVALID_IIN_BIN.
    """
    with handler_span(f"{SERVICE_ID}: power of attorney check", context, system="enis-mock") as current:
        query = xml_body.parse_request(request)
        with uow_factory() as uow:
            power = uow.powers.get(query.number)
        moment = now()
        verdict = verify(power, query.principal_iin, query.representative_iin, moment, query.service_code)
        current.set_attribute("egov.enis.result", verdict.value)
        return xml_body.render_response(
            query.request_number, verdict, power if discloses_details(verdict) else None, moment
        )


# -- seeding ---------------------------------------------------------------------------------------
def seed_test_powers_of_attorney(uow_factory: UnitOfWorkFactory) -> int:
    """Register the documented test powers of attorney that are not there yet; returns how many."""
    added = 0
    with uow_factory() as uow:
        for power in seeded_powers_of_attorney():
            if uow.powers.get(power.number) is None:
                uow.powers.add(power, now())
                added += 1
    return added


# -- notary API ------------------------------------------------------------------------------------
def _not_found(number: str) -> PowerOfAttorneyNotFound:
    return PowerOfAttorneyNotFound(f"Доверенность {number} не найдена / {number} сенімхаты табылмады")


def next_number(uow_factory: UnitOfWorkFactory) -> str:
    """POA-<year>-<6 digits>, the next free one of the current year."""
    prefix = f"POA-{now().year}-"
    with uow_factory() as uow:
        taken = uow.powers.numbers_starting_with(prefix)
    serials = [int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(serials, default=0) + 1:06d}"


def register(uow_factory: UnitOfWorkFactory, power: PowerOfAttorney) -> PowerOfAttorney:
    moment = now()
    power.check(moment.date())
    duplicate = DuplicatePowerOfAttorney(
        f"Доверенность {power.number} уже зарегистрирована / {power.number} сенімхаты бұрын тіркелген"
    )
    try:
        with uow_factory() as uow:
            if uow.powers.get(power.number) is not None:
                raise duplicate
            uow.powers.add(power, moment)
    except IntegrityError as exc:
        raise duplicate from exc
    return power


def revoke(uow_factory: UnitOfWorkFactory, number: str, reason: str | None = None) -> PowerOfAttorney:
    with uow_factory() as uow:
        power = uow.powers.get(number)
        if power is None:
            raise _not_found(number)
        revoked = power.revoke(now(), reason)
        uow.powers.save_revocation(revoked)
    return revoked


def get(uow_factory: UnitOfWorkFactory, number: str) -> PowerOfAttorney:
    with uow_factory() as uow:
        power = uow.powers.get(number)
    if power is None:
        raise _not_found(number)
    return power
