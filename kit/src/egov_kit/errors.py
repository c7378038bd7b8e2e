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
