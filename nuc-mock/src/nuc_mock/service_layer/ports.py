"""What the service layer needs from storage (the sqlmodel repository implements it)."""

from __future__ import annotations

from typing import Protocol

from nuc_mock.domain.model import CertificateRecord, CrlState


class CertificateRepositoryPort(Protocol):
    def add(self, record: CertificateRecord) -> None: ...

    def update(self, record: CertificateRecord) -> None: ...

    def get(self, serial: int) -> CertificateRecord | None: ...

    def revoked(self) -> list[CertificateRecord]: ...

    def find(
        self,
        *,
        iin: str | None = None,
        bin: str | None = None,
        system_id: str | None = None,
        limit: int = 100,
    ) -> list[CertificateRecord]: ...

    def crl_state(self) -> CrlState | None: ...

    def save_crl_state(self, state: CrlState) -> None: ...
