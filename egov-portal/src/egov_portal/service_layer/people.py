"""ГБД ФЛ look-ups through ШЭП (GBDFL_UniversalServiceSync)."""

from __future__ import annotations

import logging

from egov_kit.documents.gbdfl import SERVICE_ID, build_request
from egov_kit.errors import KitError

from egov_portal.adapters import gbdfl
from egov_portal.adapters.shep import ShepPort
from egov_portal.domain.errors import ExternalUnavailable, InvalidIin

log = logging.getLogger("egov_portal")

PURPOSE = "Регистрация и авторизация на портале «электронного правительства»"


async def lookup_person(shep: ShepPort, iin: str, *, requestor_bin: str) -> gbdfl.PersonAnswer:
    """The person's record from ГБД ФЛ, or a named error when ШЭП or ГБД ФЛ cannot answer."""
    try:
        reply = await shep.send_sync(
            SERVICE_ID, build_request(iin, requestor_bin=requestor_bin, purpose=PURPOSE)
        )
        return gbdfl.read_answer(reply.data)
    except KitError as exc:
        if exc.code == "INVALID_IIN_BIN":
            raise InvalidIin(
                "ГБД ФЛ не принимает этот ИИН: проверьте его",
                "ЖТ ММБ бұл ЖСН-ді қабылдамайды: оны тексеріңіз",
            ) from exc
        log.warning("ГБД ФЛ look-up through ШЭП failed: %s", exc)
        raise _unavailable() from exc


def _unavailable() -> ExternalUnavailable:
    return ExternalUnavailable(
        "ГБД ФЛ временно недоступна через ШЭП: повторите попытку позже",
        "ЖТ ММБ ЭҮШ арқылы уақытша қолжетімсіз: кейінірек қайталап көріңіз",
    )
