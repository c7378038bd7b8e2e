"""Business documents of the public services, as they travel inside ШЭП envelopes.

Each service's documents have an XSD in ``contracts/`` and one module here with builders (an
``lxml`` element, unsigned), parsers (checked against the XSD on a copy, returning a frozen
dataclass) and signature checks:

* :mod:`egov_kit.documents.h1` — H1 «Прикрепление к медицинской организации, оказывающей ПМСП»:
  the application, the status update, the talon and the motivated refusal
  (``contracts/rpn/attachment.xsd``).
* :mod:`egov_kit.documents.h3` — H3 «Выдача заключения о нуждаемости в санаторно-курортном
  лечении»: the application (clinical results embedded, consent, EDS or one-time password), the
  status update (registeredFor, dueAt), the card 069/у and the motivated refusal
  (``contracts/rpn/sanatorium.xsd``).
* :mod:`egov_kit.documents.rpn` — the bodies of ``RPN_MedicalOrganizationsSync``
  (``contracts/rpn/organizations.xsd``).
* :mod:`egov_kit.documents.gbdfl` — the client side of ГБД ФЛ's ``GBDFL_UniversalServiceSync``
  (``contracts/gbdfl/gbdfl.xsd``): the request every caller sends and the reading of the answer.

A document keeps its own enveloped signature end to end (:func:`egov_kit.dsig.sign_document`); the
envelope around it is signed per hop.
"""

from egov_kit.documents.errors import DocumentError, IinMismatch, SignerNotAuthorised

__all__ = ["DocumentError", "IinMismatch", "SignerNotAuthorised"]
