"""Unit of work of РПН: the kit's SQL unit of work with РПН's repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egov_kit import uow
from sqlalchemy.engine import Engine

from phc_registry.adapters.appointment_repository import AppointmentRepository, BookingRepository
from phc_registry.adapters.repository import (
    AccountRepository,
    ApplicationRepository,
    AttachmentRepository,
    CounterRepository,
    ScanRepository,
    SessionRepository,
)
from phc_registry.adapters.sanatorium_repository import SanatoriumRepository


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def attachments(self) -> AttachmentRepository: ...

    @property
    def applications(self) -> ApplicationRepository: ...

    @property
    def counters(self) -> CounterRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def scans(self) -> ScanRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def appointments(self) -> AppointmentRepository: ...

    @property
    def sanatorium(self) -> SanatoriumRepository: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    attachments = uow.repository(AttachmentRepository)
    applications = uow.repository(ApplicationRepository)
    counters = uow.repository(CounterRepository)
    accounts = uow.repository(AccountRepository)
    sessions = uow.repository(SessionRepository)
    scans = uow.repository(ScanRepository)
    bookings = uow.repository(BookingRepository)
    appointments = uow.repository(AppointmentRepository)
    sanatorium = uow.repository(SanatoriumRepository)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
