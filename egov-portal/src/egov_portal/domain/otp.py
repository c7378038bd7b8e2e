"""The one-time password as the portal shows it (seed 004 item 10): masked phone, named refusals.

The codes themselves (issue, expiry, single use, lock) are :mod:`egov_kit.otp`; this module turns
its errors into the portal's named errors (``{"error": code, "message_ru", "message_kk"}``) and
masks the phone the code went to.
"""

from __future__ import annotations

from egov_kit.otp import OtpError, OtpLocked, OtpWrong

from egov_portal.domain.errors import PortalError
from egov_portal.domain.rules import MOBILE_PHONE

#: HTTP status of each kit error on the portal's API.
HTTP_STATUS = {
    "OTP_WRONG": 422,
    "OTP_EXPIRED": 422,
    "OTP_LOCKED": 423,
    "OTP_ALREADY_USED": 409,
    "OTP_NOT_ISSUED": 409,
}


def mask_phone(phone: str) -> str:
    """``+77011234578`` → ``+7 701 *** ** 78`` (operator code and the last two digits only)."""
    if not MOBILE_PHONE.fullmatch(phone):
        return "+7 *** *** ** **"
    digits = phone[2:]
    return f"+7 {digits[0:3]} *** ** {digits[8:10]}"


class OtpRefused(PortalError):
    """A one-time password that does not confirm the request; ``code`` is the kit's (``OTP_*``)."""

    code = "OTP_ERROR"

    def __init__(self, error: OtpError) -> None:
        super().__init__(error.message_ru, error.message_kk, code=error.code)
        self.http_status = HTTP_STATUS.get(error.code, 422)
        self.attempts_left = error.attempts_left if isinstance(error, OtpWrong) else None
        self.locked_until = error.locked_until if isinstance(error, OtpLocked) else None

    def as_json(self) -> dict[str, str]:
        body = super().as_json()
        if self.attempts_left is not None:
            body["attemptsLeft"] = str(self.attempts_left)
        if self.locked_until is not None:
            body["lockedUntil"] = self.locked_until.isoformat()
        return body
