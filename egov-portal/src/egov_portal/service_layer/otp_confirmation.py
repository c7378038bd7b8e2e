"""Confirming a request with a one-time password instead of an EDS (seed 004 item 10).

The portal issues a code for one request (``purpose`` = what is confirmed, ``subject`` = the
application id) with :mod:`egov_kit.otp` — kept in the portal's database (``otp_code`` table) only
as a keyed hash, under the secret ``var/egov-portal/otp.key`` — and sends it by SMS, in Kazakh and
Russian, to the mobile number the recipient registered on the portal (never to a number typed in
the form). The code expires (``PORTAL_OTP_TTL_MINUTES``, 5 by default), confirms once, and
``PORTAL_OTP_MAX_ATTEMPTS`` (3) wrong codes lock the request; a new code replaces the previous one
and wrong attempts carry over. Every refusal is an :class:`~egov_portal.domain.otp.OtpRefused`
naming the kit's code (``OTP_WRONG`` with the attempts left, ``OTP_EXPIRED``, ``OTP_LOCKED``,
``OTP_ALREADY_USED``, ``OTP_NOT_ISSUED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from egov_kit.otp import (
    OneTimePasswords,
    OtpError,
    OtpState,
    SqlOtpStore,
    load_or_create_secret,
    sms_text,
)
from egov_kit.telemetry import span
from sqlalchemy.engine import Engine

from egov_portal.adapters.sms import SmsGateway
from egov_portal.domain.otp import OtpRefused, mask_phone
from egov_portal.settings import Settings


@dataclass(frozen=True)
class CodeSent:
    """A code went out: where (masked), when, until when it is valid, and the gateway's message id."""

    phone_masked: str
    sent_at: datetime
    expires_at: datetime
    sms_id: str


@dataclass
class OtpConfirmation:
    codes: OneTimePasswords
    sms: SmsGateway
    ttl: timedelta = timedelta(minutes=5)

    async def send_code(
        self, *, purpose: str, subject: str, phone: str, title_ru: str, title_kk: str
    ) -> CodeSent:
        """Issue a fresh code for the request and send it by SMS to ``phone`` (the registered one).

        Raises ``OTP_LOCKED`` while the request is locked, ``SMS_NOT_SENT`` when the gateway fails.
        """
        attributes = {"egov.otp.purpose": purpose, "egov.otp.phone": mask_phone(phone)}
        with span("portal: send the one-time password by SMS", attributes=attributes) as current:
            try:
                issued = self.codes.issue(purpose, subject, ttl=self.ttl)
            except OtpError as exc:
                raise OtpRefused(exc) from exc
            text = sms_text(issued.code, title_ru, title_kk, ttl=issued.ttl)
            sent = await self.sms.send(to=phone, text=text, reference=subject)
            current.set_attribute("egov.sms.id", sent.id)
            return CodeSent(mask_phone(phone), issued.issued_at, issued.expires_at, sent.id)

    def verify(self, *, purpose: str, subject: str, code: str) -> None:
        """Confirm the request with the typed code, or raise :class:`OtpRefused` (``OTP_*``)."""
        try:
            self.codes.verify(purpose, subject, code)
        except OtpError as exc:
            raise OtpRefused(exc) from exc

    def state(self, *, purpose: str, subject: str) -> OtpState | None:
        """Expiry, attempts left and lock of the request's current code (None: none issued)."""
        return self.codes.state(purpose, subject)


def otp_confirmation(settings: Settings, engine: Engine, sms: SmsGateway) -> OtpConfirmation:
    """The portal's one-time passwords: the ``otp_code`` table of its database, its own secret."""
    codes = OneTimePasswords(
        SqlOtpStore(engine),
        secret=load_or_create_secret(settings.state_dir / "otp.key"),
        max_attempts=settings.otp_max_attempts,
        lock_period=timedelta(minutes=settings.otp_lock_minutes),
    )
    return OtpConfirmation(codes, sms, ttl=timedelta(minutes=settings.otp_ttl_minutes))
