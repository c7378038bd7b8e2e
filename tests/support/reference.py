"""The real gateway's reference material, which lives beside the checkout, not in the repository.

``../shared/reference/shep`` (or ``$SHEP_REFERENCE_DIR``, see ``egov_kit.shep.schemas.reference_dir``)
holds the real WSDL/XSD and two GOST-signed examples. Tests that need the examples skip, naming the
folder, when a checkout has no such folder beside it; the rest of the suite does not need it.
"""

from __future__ import annotations

import pytest
from egov_kit.shep.schemas import reference_dir


def shep_example(name: str) -> bytes:
    """The bytes of ``examples/<name>``; skips the calling test when the reference is absent."""
    path = reference_dir() / "examples" / name
    if not path.is_file():
        pytest.skip(f"ШЭП reference example not found at {path} (material outside the repository)")
    return path.read_bytes()
