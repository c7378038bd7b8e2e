"""Named errors of the regulations: an invalid file, an unknown id, a path the diagram does not allow."""

from __future__ import annotations

from collections.abc import Sequence

from egov_kit.errors import KitError


class RegulationInvalid(KitError):
    """A file in ``services/`` does not validate; ``problems`` lists "<file>: <field>: <message>"."""

    code = "REGULATION_INVALID"
    exposed = False

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the regulations"
        super().__init__(head + ":\n  " + "\n  ".join(self.problems))


class RegulationNotFound(KitError, LookupError):
    """No regulation, channel or step with that id."""

    code = "REGULATION_NOT_FOUND"
    exposed = False


class RegulationPathInvalid(KitError, ValueError):
    """A sequence of steps that the regulation's diagram does not allow (used by scenarios)."""

    code = "REGULATION_PATH_INVALID"
    exposed = False
