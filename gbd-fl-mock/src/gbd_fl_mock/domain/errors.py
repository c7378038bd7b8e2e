"""Named errors of ГБД ФЛ; each ``code`` is stable and documented in gbd-fl-mock/README.md.

A person who is not in the register, or who has died, is an answer (``messageResult``), never one of
these errors. These are for requests that cannot be answered and for the admin API.
"""

from __future__ import annotations

from egov_kit.errors import KitError


class PersonNotFound(KitError):
    """Admin API only: no person with this ИИН (the ШЭП service answers 00001 instead)."""

    code = "PERSON_NOT_FOUND"


class DuplicatePerson(KitError):
    code = "DUPLICATE_IIN"


class IinBirthDateMismatch(KitError):
    """Digits 1-6 of the ИИН are not the birth date (YYMMDD)."""

    code = "IIN_BIRTH_DATE_MISMATCH"


class IinCenturyMismatch(KitError):
    """Digit 7 of the ИИН does not encode the birth century (1-2: 1800s, 3-4: 1900s, 5-6: 2000s)."""

    code = "IIN_CENTURY_MISMATCH"


class IinGenderMismatch(KitError):
    """Digit 7 of the ИИН is odd for men and even for women."""

    code = "IIN_GENDER_MISMATCH"


class UnknownDictionaryCode(KitError):
    code = "UNKNOWN_DICTIONARY_CODE"


class AddressMismatch(KitError):
    """The locality of an address is not in the given region or district."""

    code = "ADDRESS_MISMATCH"


class InvalidDates(KitError):
    """Dates out of order: death before birth, a document ending before it begins, a date in the future."""

    code = "INVALID_DATES"


class UnknownRegion(KitError):
    code = "UNKNOWN_REGION"
