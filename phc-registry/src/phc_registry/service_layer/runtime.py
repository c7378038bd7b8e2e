"""What the service layer works with: the database, ГБД ФЛ, ШЭП replies, certificates and keys.

The app builds one :class:`PhcRuntime` at start. Some parts exist only once the ШЭП host is up (the
validator and the ШЭП client come from :class:`egov_kit.shep.host.ProviderHost`); until then the
accessors raise ``SERVICE_NOT_READY`` (the consumer retries, HTTP answers 503). Tests hand in
fakes: an in-memory ГБД ФЛ, a list of replies, a validator over an in-process nuc-mock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep.models import MessageType
from lxml import etree

from phc_registry.adapters.scans import ScanStore
from phc_registry.adapters.signers import SignerStore
from phc_registry.domain.errors import NotReady
from phc_registry.domain.model import PersonLookup
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory


class PersonRegistry(Protocol):
    """ГБД ФЛ (through ШЭП in the landscape)."""

    async def lookup(self, iin: str) -> PersonLookup: ...


class Replies(Protocol):
    """Asynchronous answers to a ШЭП sender: UPDATE and RESPONSE correlated to its REQUEST."""

    async def send(
        self, service_id: str, element: etree._Element, *, message_type: MessageType, correlation_id: str
    ) -> None: ...


@dataclass
class Limits:
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    session_minutes: int = 480
    max_scan_bytes: int = 5 * 1024 * 1024


@dataclass
class Ports:
    """Parts handed in from outside (tests, or a host started elsewhere); None keeps the runtime's."""

    person_registry: PersonRegistry | None = None
    replies: Replies | None = None
    certificate_validator: CertificateValidator | None = None
    signers: SignerStore | None = None
    registry_keypair: KeyPair | None = None


@dataclass
class PhcRuntime:
    uow_factory: UnitOfWorkFactory
    scans: ScanStore
    system_bin: str
    limits: Limits = field(default_factory=Limits)
    signers: SignerStore = field(default_factory=SignerStore)
    person_registry: PersonRegistry | None = None
    replies: Replies | None = None
    certificate_validator: CertificateValidator | None = None
    registry_keypair: KeyPair | None = None  # PHC_REGISTRY's own key: refusals in the register's name

    @property
    def gbd(self) -> PersonRegistry:
        if self.person_registry is None:
            raise NotReady("ГБД ФЛ is not reachable yet (ШЭП client not started)")
        return self.person_registry

    @property
    def validator(self) -> CertificateValidator:
        if self.certificate_validator is None:
            raise NotReady("the certificate validator is not ready yet (trust store not loaded)")
        return self.certificate_validator

    @property
    def reply(self) -> Replies:
        if self.replies is None:
            raise NotReady("ШЭП replies are not possible yet (ШЭП client not started)")
        return self.replies

    def apply(self, ports: Ports) -> None:
        if ports.person_registry is not None:
            self.person_registry = ports.person_registry
        if ports.replies is not None:
            self.replies = ports.replies
        if ports.certificate_validator is not None:
            self.certificate_validator = ports.certificate_validator
        if ports.signers is not None:
            self.signers = ports.signers
        if ports.registry_keypair is not None:
            self.registry_keypair = ports.registry_keypair
