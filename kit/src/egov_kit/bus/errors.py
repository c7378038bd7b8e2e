"""Named errors of the bus; every one carries a stable ``code`` from the ШЭП error table."""

from __future__ import annotations

from egov_kit.errors import KitError

PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"


class BusError(KitError):
    """Base of the bus's named errors."""

    code = PROVIDER_UNAVAILABLE


class Unroutable(BusError):
    """The broker returned a mandatory message: no queue is bound for that exchange and routing key."""

    code = PROVIDER_UNAVAILABLE


class PublishNotConfirmed(BusError):
    """The broker did not confirm a publish: it nacked it, or the channel/connection was lost, or the
    confirm did not arrive in time. The outcome is unknown in the last two cases, so a retry may
    duplicate the message; consumers deduplicate by ``message_id``."""

    code = PROVIDER_UNAVAILABLE


class RpcTimeout(BusError):
    """No reply arrived within the call's timeout."""

    code = PROVIDER_TIMEOUT
