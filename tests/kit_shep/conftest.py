"""Fixtures of the kit_shep tests (sample data lives in shep_samples.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from egov_kit.shep import ErrorInfo, ShepBody
from egov_kit.shep.schemas import clear_cache, reference_dir

from tests.kit_shep.shep_samples import SAMPLES, make_error


@pytest.fixture(params=[body for _, body in SAMPLES], ids=[name for name, _ in SAMPLES])
def sample_body(request: pytest.FixtureRequest) -> ShepBody:
    body: ShepBody = request.param
    return body


@pytest.fixture
def sample_error() -> ErrorInfo:
    return make_error()


@pytest.fixture(scope="session")
def reference_shep() -> Path:
    """The real gateway's reference folder (../shared/reference/shep next to the checkout)."""
    path = reference_dir()
    if not (path / "_xmllint" / "sync.xsd").is_file():
        pytest.skip(f"ШЭП reference material not found at {path}")
    return path


@pytest.fixture
def fresh_schema_cache() -> Iterator[None]:
    clear_cache()
    yield None
    clear_cache()
