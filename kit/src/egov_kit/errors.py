"""Named errors shared by every component.

Every rejection in the landscape carries a stable machine code (shown to integrators in
``ErrorInfo.errorCode``) and a human message. Subsystems subclass :class:`KitError` and set ``code``.
"""

from __future__ import annotations


class KitError(Exception):
    """Base of all named errors; ``code`` is stable and documented."""

    code: str = "KIT_ERROR"
    # Named errors are written for the people who receive them. An error about our own machinery
    # (key stores, configuration) sets this False and reaches the outside only as INTERNAL_ERROR.
    exposed: bool = True

    def __init__(self, message: str, *, code: str | None = None, data: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class BilingualError(KitError):
    """A named error written for a person: ``message`` is Russian (``message_ru``), ``message_kk`` Kazakh."""

    def __init__(self, message_ru: str, message_kk: str, *, data: str | None = None) -> None:
        super().__init__(message_ru, data=data)
        self.message_ru = message_ru
        self.message_kk = message_kk

    def message_in(self, lang: str) -> str:
        return self.message_kk if lang == "kk" else self.message_ru
