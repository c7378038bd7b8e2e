"""Named errors of ЕНИС; each ``code`` is stable and documented in enis-mock/README.md.

A power of attorney that is missing, expired, revoked or issued to other persons is an answer of
the ШЭП service (result code), never one of these errors.
"""

from __future__ import annotations

from egov_kit.errors import KitError


class PowerOfAttorneyNotFound(KitError):
    """Notary API only (the ШЭП service answers MISSING instead)."""

    code = "POWER_OF_ATTORNEY_NOT_FOUND"


class DuplicatePowerOfAttorney(KitError):
    code = "DUPLICATE_POWER_OF_ATTORNEY"


class AlreadyRevoked(KitError):
    code = "ALREADY_REVOKED"


class InvalidDates(KitError):
    """Issue date in the future, or validity ending before the issue date."""

    code = "INVALID_DATES"


class SamePerson(KitError):
    """The principal and the representative are one person."""

    code = "SAME_PERSON"


class InvalidScope(KitError):
    code = "INVALID_SCOPE"
