"""Notary HTTP API of enis-mock: register, revoke and read powers of attorney."""

from __future__ import annotations

from egov_kit.clock import now
from fastapi import APIRouter, status

from enis_mock.entrypoints.schemas import PowerOfAttorneyIn, PowerOfAttorneyOut, RevokeIn
from enis_mock.service_layer import handlers
from enis_mock.service_layer.unit_of_work import UnitOfWorkFactory

TAG_NOTARY = "notary"


def notary_router(uow_factory: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(prefix="/notary/powers-of-attorney", tags=[TAG_NOTARY])

    @router.post(
        "",
        response_model=PowerOfAttorneyOut,
        status_code=status.HTTP_201_CREATED,
        responses={
            400: {"description": "INVALID_IIN_BIN, SAME_PERSON, INVALID_DATES, INVALID_SCOPE"},
            409: {"description": "DUPLICATE_POWER_OF_ATTORNEY"},
        },
    )
    def register(body: PowerOfAttorneyIn) -> PowerOfAttorneyOut:
        """Register a notarised power of attorney (ИИН check digits and date order are verified)."""
        number = body.number or handlers.next_number(uow_factory)
        power = handlers.register(uow_factory, body.to_domain(number))
        return PowerOfAttorneyOut.of(power, now())

    @router.post(
        "/{number}/revoke",
        response_model=PowerOfAttorneyOut,
        responses={
            404: {"description": "POWER_OF_ATTORNEY_NOT_FOUND"},
            409: {"description": "ALREADY_REVOKED"},
        },
    )
    def revoke(number: str, body: RevokeIn | None = None) -> PowerOfAttorneyOut:
        """Register the principal's revocation, effective now."""
        power = handlers.revoke(uow_factory, number, body.reason if body else None)
        return PowerOfAttorneyOut.of(power, now())

    @router.get(
        "/{number}",
        response_model=PowerOfAttorneyOut,
        responses={404: {"description": "POWER_OF_ATTORNEY_NOT_FOUND"}},
    )
    def read(number: str) -> PowerOfAttorneyOut:
        """One power of attorney with its status now."""
        return PowerOfAttorneyOut.of(handlers.get(uow_factory, number), now())

    return router
