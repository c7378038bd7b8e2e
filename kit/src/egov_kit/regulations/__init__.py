"""The regulations of public services as data: ``services/*.yaml`` loaded into pydantic models.

>>> h1 = load_regulation("H1")
>>> step = h1.channel("portal").step("process 6")
>>> with h1.step_span("portal", "process 6", application="A-1"):
...     ...

The portal catalogue, the providers' logic, the step spans and the replay all read these files;
nothing hard-codes a step list. ``python -m egov_kit.regulations check`` validates every file.
"""

from __future__ import annotations

from egov_kit.regulations.errors import RegulationInvalid, RegulationNotFound, RegulationPathInvalid
from egov_kit.regulations.loader import (
    SERVICES_DIR_ENV,
    CheckReport,
    check,
    clear_cache,
    load_all,
    load_file,
    load_regulation,
    regulation_files,
    services_dir,
)
from egov_kit.regulations.models import (
    Branch,
    Channel,
    CitedNorm,
    Norm,
    RefusalGround,
    Regulation,
    RequiredDocument,
    Step,
    System,
    Text,
)

__all__ = [
    "SERVICES_DIR_ENV",
    "Branch",
    "Channel",
    "CheckReport",
    "CitedNorm",
    "Norm",
    "RefusalGround",
    "Regulation",
    "RegulationInvalid",
    "RegulationNotFound",
    "RegulationPathInvalid",
    "RequiredDocument",
    "Step",
    "System",
    "Text",
    "check",
    "clear_cache",
    "load_all",
    "load_file",
    "load_regulation",
    "regulation_files",
    "services_dir",
]
