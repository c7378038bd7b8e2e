"""The gateway's registry: information systems, services and the access list, and the rules on them.

Pure domain: no file, HTTP or database access. The registry is built by
:mod:`gateway_shep.adapters.registry_file` from ``registry/registry.yaml``; the pipeline then calls

* :meth:`Registry.authenticate` — ``senderId`` + password → the :class:`InformationSystem`;
* :func:`check_certificate_binding` — the verified signing certificate belongs to that system;
* :meth:`Registry.route` — the service exists and the access list lets the sender use it;
* :func:`check_message_date` — ``messageDate`` is inside the accepted window.

Each step raises a named error from :mod:`gateway_shep.domain.errors`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from egov_kit.clock import KZ_TZ
from egov_kit.identifiers import is_valid as _is_valid_number

from gateway_shep.domain.errors import (
    AccessDenied,
    MessageDateOutOfWindow,
    RegistryInvalid,
    SenderAuthFailed,
    SenderCertMismatch,
    SenderUnknown,
    ServiceUnknown,
)
from gateway_shep.domain.passwords import verify_password

WILDCARD = "*"
DEFAULT_MESSAGE_DATE_WINDOW = timedelta(minutes=5)


class Channel(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


class MessageType(StrEnum):
    """``messageType`` of the asynchronous channel (AsyncMessageInfo.xsd)."""

    REQUEST = "REQUEST"
    UPDATE = "UPDATE"
    NOTIFICATION = "NOTIFICATION"
    RESPONSE = "RESPONSE"


#: Message types a provider sends back on a service (needs a ``replies`` entry in the access list).
REPLY_MESSAGE_TYPES = frozenset({MessageType.UPDATE, MessageType.NOTIFICATION, MessageType.RESPONSE})


@dataclass(frozen=True)
class LocalizedText:
    ru: str
    kk: str


@dataclass(frozen=True)
class CertificateBinding:
    """How an information system's certificate is recognised: subject ``CN=<common_name>``, ``OU=BIN<bin>``.

    The pipeline parses CN and the BIN (``OU=BIN…`` without the prefix) from the certificate it has
    already verified (chain, dates, revocation, information-system role) and asks :meth:`matches`.
    """

    common_name: str
    bin: str

    def matches(self, cn: str | None, bin: str | None) -> bool:
        if cn is None or bin is None:
            return False
        # Both sides are ours or from a verified certificate; compare_digest keeps it branch-free anyway.
        same_cn = hmac.compare_digest(cn.encode("utf-8"), self.common_name.encode("utf-8"))
        same_bin = hmac.compare_digest(bin.encode("utf-8"), self.bin.encode("utf-8"))
        return same_cn and same_bin

    @property
    def subject_hint(self) -> str:
        return f"CN={self.common_name}, OU=BIN{self.bin}"


@dataclass(frozen=True)
class InformationSystem:
    """A system registered in ШЭП (``senderId``), owned by the organisation with ``bin``."""

    system_id: str
    name: LocalizedText
    bin: str
    password_hash: str = field(repr=False)
    certificate: CertificateBinding
    test_system: bool = False


@dataclass(frozen=True)
class Service:
    """A ШЭП service: ``serviceId`` served by ``provider_id`` on a channel."""

    service_id: str
    provider_id: str
    channel: Channel
    description: LocalizedText
    timeout_seconds: float | None = None  # sync only; None means the gateway's default


@dataclass(frozen=True)
class AccessEntry:
    """What one sender may do: send requests on ``services`` and replies (UPDATE/RESPONSE/…) on ``replies``.

    Either set may hold ``*`` (every service) — allowed only for a test system.
    """

    sender_id: str
    services: frozenset[str] = frozenset()
    replies: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ServiceRoute:
    """Where a message goes, as decided by :meth:`Registry.route`.

    For a request ``recipient_id`` is the service's provider. For a reply on an asynchronous service
    (``is_reply``) the recipient is the sender of the original request, which the pipeline finds by
    ``correlationId``; ``recipient_id`` is then ``None``.
    """

    service: Service
    sender: InformationSystem
    provider: InformationSystem
    message_type: MessageType | None
    is_reply: bool
    recipient_id: str | None

    @property
    def service_id(self) -> str:
        return self.service.service_id

    @property
    def channel(self) -> Channel:
        return self.service.channel

    @property
    def provider_id(self) -> str:
        return self.provider.system_id

    def timeout_seconds(self, default: float) -> float:
        """The sync timeout of this service, or ``default`` when the registry names none."""
        return self.service.timeout_seconds if self.service.timeout_seconds is not None else default


class Registry:
    """Systems, services and access list, checked for consistency on construction."""

    def __init__(
        self,
        systems: Iterable[InformationSystem],
        services: Iterable[Service],
        access: Iterable[AccessEntry],
    ) -> None:
        self._systems: dict[str, InformationSystem] = {}
        self._services: dict[str, Service] = {}
        self._access: dict[str, AccessEntry] = {}
        problems: list[str] = []
        for system in systems:
            if system.system_id in self._systems:
                problems.append(f"system {system.system_id!r} is defined twice")
            self._systems[system.system_id] = system
        for service in services:
            if service.service_id in self._services:
                problems.append(f"service {service.service_id!r} is defined twice")
            self._services[service.service_id] = service
        for entry in access:
            if entry.sender_id in self._access:
                problems.append(f"access entry for {entry.sender_id!r} is given twice")
            self._access[entry.sender_id] = entry
        problems.extend(self._consistency_problems())
        if problems:
            raise RegistryInvalid("registry is inconsistent: " + "; ".join(problems))
        # sender_id -> keyed digest of the last password that passed scrypt (saves scrypt per message).
        self._verified: dict[str, bytes] = {}
        self._cache_key = secrets.token_bytes(32)

    def _consistency_problems(self) -> list[str]:
        problems: list[str] = []
        for system in self._systems.values():
            for label, number in (("bin", system.bin), ("certificate bin", system.certificate.bin)):
                if not _is_valid_number(number) or number[4] not in "456":
                    problems.append(f"system {system.system_id!r}: {label} {number!r} is not a valid БИН")
        for service in self._services.values():
            if service.provider_id not in self._systems:
                problems.append(
                    f"service {service.service_id!r}: provider {service.provider_id!r} is not a known system"
                )
        for entry in self._access.values():
            sender = self._systems.get(entry.sender_id)
            if sender is None:
                problems.append(f"access entry: sender {entry.sender_id!r} is not a known system")
                continue
            for kind, ids in (("services", entry.services), ("replies", entry.replies)):
                for service_id in sorted(ids):
                    if service_id == WILDCARD:
                        if not sender.test_system:
                            problems.append(
                                f"access entry {entry.sender_id!r}: '*' is allowed only for a test system"
                            )
                        continue
                    named = self._services.get(service_id)
                    if named is None:
                        problems.append(
                            f"access entry {entry.sender_id!r}: {kind} names unknown service {service_id!r}"
                        )
                    elif kind == "replies" and named.channel is not Channel.ASYNC:
                        problems.append(
                            f"access entry {entry.sender_id!r}: replies are possible only on asynchronous "
                            f"services, {service_id!r} is synchronous"
                        )
        return problems

    # --- look-ups -----------------------------------------------------------------------------

    @property
    def systems(self) -> Mapping[str, InformationSystem]:
        return dict(self._systems)

    @property
    def services(self) -> Mapping[str, Service]:
        return dict(self._services)

    @property
    def access(self) -> Mapping[str, AccessEntry]:
        return dict(self._access)

    def get_system(self, system_id: str) -> InformationSystem | None:
        return self._systems.get(system_id)

    def system(self, system_id: str) -> InformationSystem:
        """The system ``system_id`` or :class:`SenderUnknown`."""
        found = self._systems.get(system_id)
        if found is None:
            raise SenderUnknown(f"sender {system_id!r} is not registered in ШЭП")
        return found

    def get_service(self, service_id: str) -> Service | None:
        return self._services.get(service_id)

    def service(self, service_id: str) -> Service:
        """The service ``service_id`` or :class:`ServiceUnknown`."""
        found = self._services.get(service_id)
        if found is None:
            raise ServiceUnknown(f"service {service_id!r} is not registered in ШЭП")
        return found

    def may_send(self, sender_id: str, service_id: str, *, reply: bool = False) -> bool:
        """Whether the access list lets ``sender_id`` send a request (or a reply) on ``service_id``."""
        entry = self._access.get(sender_id)
        if entry is None:
            return False
        allowed = entry.replies if reply else entry.services
        return service_id in allowed or WILDCARD in allowed

    # --- the pipeline's checks ----------------------------------------------------------------

    def authenticate(self, sender_id: str, password: str) -> InformationSystem:
        """The system ``sender_id`` when ``password`` matches its hash.

        Raises :class:`SenderUnknown` or :class:`SenderAuthFailed`.
        """
        system = self.system(sender_id)
        digest = hmac.new(self._cache_key, password.encode("utf-8"), hashlib.sha256).digest()
        remembered = self._verified.get(sender_id)
        if remembered is not None and hmac.compare_digest(remembered, digest):
            return system
        if not verify_password(password, system.password_hash):
            raise SenderAuthFailed(f"wrong password for sender {sender_id!r}")
        self._verified[sender_id] = digest
        return system

    def route(
        self, sender: InformationSystem | str, service_id: str, message_type: MessageType | str | None = None
    ) -> ServiceRoute:
        """Resolve ``service_id`` for ``sender`` and check the access list.

        ``message_type`` is the async ``messageType``: ``None`` or ``REQUEST`` needs a ``services``
        entry; ``UPDATE``/``NOTIFICATION``/``RESPONSE`` on an asynchronous service needs a ``replies``
        entry. Raises :class:`ServiceUnknown`, :class:`AccessDenied` (or :class:`SenderUnknown` for an
        unknown sender id).
        """
        system = self.system(sender) if isinstance(sender, str) else sender
        service = self.service(service_id)
        kind = MessageType(message_type) if message_type is not None else None
        is_reply = service.channel is Channel.ASYNC and kind in REPLY_MESSAGE_TYPES
        if not self.may_send(system.system_id, service.service_id, reply=is_reply):
            what = f"send {kind.value} messages on" if is_reply and kind is not None else "call"
            raise AccessDenied(f"sender {system.system_id!r} may not {what} service {service_id!r}")
        return ServiceRoute(
            service=service,
            sender=system,
            provider=self._systems[service.provider_id],
            message_type=kind,
            is_reply=is_reply,
            recipient_id=None if is_reply else service.provider_id,
        )


def check_certificate_binding(system: InformationSystem, cn: str | None, bin: str | None) -> None:
    """Raise :class:`SenderCertMismatch` unless the certificate (CN, BIN) is bound to ``system``."""
    if not system.certificate.matches(cn, bin):
        raise SenderCertMismatch(
            f"certificate CN={cn!r}, BIN={bin!r} is not bound to sender {system.system_id!r} "
            f"(expected {system.certificate.subject_hint})"
        )


def check_message_date(
    message_date: datetime,
    now: datetime,
    window: timedelta = DEFAULT_MESSAGE_DATE_WINDOW,
    *,
    skew: timedelta | None = None,
) -> None:
    """Raise :class:`MessageDateOutOfWindow` when ``message_date`` is older than ``window`` before ``now``
    or later than ``skew`` (default: ``window``) after it.

    A naive ``message_date`` (``xsd:dateTime`` without an offset) is read in Kazakhstan's time zone,
    the landscape's single zone; ``now`` should come from :func:`egov_kit.clock.now`.
    """
    allowed_skew = window if skew is None else skew
    moment = message_date if message_date.tzinfo is not None else message_date.replace(tzinfo=KZ_TZ)
    reference = now if now.tzinfo is not None else now.replace(tzinfo=KZ_TZ)
    age = reference - moment
    if age > window:
        raise MessageDateOutOfWindow(
            f"messageDate {moment.isoformat()} is {age.total_seconds():.0f} s old; "
            f"at most {window.total_seconds():.0f} s are accepted"
        )
    if -age > allowed_skew:
        raise MessageDateOutOfWindow(
            f"messageDate {moment.isoformat()} is {-age.total_seconds():.0f} s in the future; "
            f"at most {allowed_skew.total_seconds():.0f} s of clock skew are accepted"
        )
