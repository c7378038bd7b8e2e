"""The citizen's local signer: the subset of NCALayer (НУЦ РК) that the landscape's pages use.

* :mod:`~egov_cli.signer.protocol` — NCALayer's JSON messages (``getActiveTokens``, ``signXml``)
* :mod:`~egov_cli.signer.keys` — the key folder and which key signs a document (by its ИИН)
* :mod:`~egov_cli.signer.server` — :class:`Signer` (no network) and :func:`serve` (WebSocket, /healthz)
* :mod:`~egov_cli.signer.persons` — keys of ГБД ФЛ's test persons, certified by nuc-mock
* :mod:`~egov_cli.signer.command` — ``egov signer`` (``signer_command``)

Pages talk to it through ``egov_kit/static/ncalayer.js``, so the same page works with the real
NCALayer.
"""

from egov_cli.signer.errors import SignerError
from egov_cli.signer.keys import DocumentSigner, KeyStore, StoredKey, document_signer
from egov_cli.signer.server import DEFAULT_PORT, Signer, origin_allowed, serve, start_server

__all__ = [
    "DEFAULT_PORT",
    "DocumentSigner",
    "KeyStore",
    "Signer",
    "SignerError",
    "StoredKey",
    "document_signer",
    "origin_allowed",
    "serve",
    "start_server",
]
