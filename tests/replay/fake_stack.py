"""A fake portal, phc-registry workstation and nuc-mock behind one httpx.MockTransport.

It checks what a real stack would (CSRF token, the signer's ИИН, the document signature) and records
every request with its ``traceparent``, so the driver's tests can look at the trace it sends.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from egov_kit.dsig import verify_document
from egov_kit.pki.issue import SubjectSpec, build_issuing_ca, build_root_ca, issue_key_pair
from egov_kit.pki.keys import KeyPair, certificates_pem, private_key_pem
from egov_kit.pki.profile import identity_from_certificate
from egov_kit.xml import parse_xml

PORTAL = "http://portal.test"
PHC = "http://phc.test"
NUC = "http://nuc.test"
CSRF = "csrf-123"
PHC_CSRF = "phc-csrf-456"

FORM = {
    "service": "H1",
    "organisations": [
        {
            "code": "VKO-UKG-03",
            "nameRu": "Поликлиника №3",
            "regionCode": "630000000",
            "localityCode": "631001000",
        },
        {
            "code": "ZHM-TRZ-05",
            "nameRu": "Поликлиника №5",
            "regionCode": "310000000",
            "localityCode": "311001000",
        },
        {
            "code": "ZHM-TRZ-01",
            "nameRu": "Поликлиника №1",
            "regionCode": "310000000",
            "localityCode": "311001000",
        },
    ],
}


@dataclass
class Seen:
    method: str
    host: str
    path: str
    traceparent: str | None
    body: Any

    @property
    def trace_id(self) -> str | None:
        return self.traceparent.split("-")[1] if self.traceparent else None


@dataclass
class FakeStack:
    password: str = "Replay-Passw0rd!"
    seen: list[Seen] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    recipient_iin: str | None = None
    _ca: KeyPair | None = None

    @property
    def ca(self) -> KeyPair:
        if self._ca is None:
            root = build_root_ca("Replay Test Root")
            self._ca = build_issuing_ca(root.private_key, root.certificate, "Replay Test Issuing")
        return self._ca

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body: Any = json.loads(request.content) if request.content else None
        self.seen.append(
            Seen(request.method, request.url.host, request.url.path, request.headers.get("traceparent"), body)
        )
        host = request.url.host
        if host == "nuc.test":
            return self._nuc(request, body)
        if host == "portal.test":
            return self._portal(request, body)
        if host == "phc.test":
            return self._phc(request, body)
        raise httpx.ConnectError(f"no route to {host}", request=request)

    # --- nuc-mock -------------------------------------------------------------------------------
    def _nuc(self, request: httpx.Request, body: Any) -> httpx.Response:
        if request.url.path == "/api/certificates":
            spec = SubjectSpec(
                kind=body["kind"],
                iin=body.get("iin"),
                bin=body.get("bin"),
                surname=body.get("surname"),
                given_name=body.get("given_name"),
                organisation=body.get("organisation"),
                roles=frozenset(body.get("roles") or ()),
            )
            window = {
                key: datetime.fromisoformat(body[key]) for key in ("not_before", "not_after") if body.get(key)
            }
            issued = issue_key_pair(self.ca, spec, **window)  # type: ignore[arg-type]
            serial = format(issued.certificate.serial_number, "x")
            return httpx.Response(
                200,
                json={
                    "serial": serial,
                    "key_pem": private_key_pem(issued.private_key).decode(),
                    "cert_pem": certificates_pem([issued.certificate]).decode(),
                    "chain_pem": certificates_pem(issued.chain).decode(),
                },
            )
        if request.url.path.endswith("/revoke"):
            self.revoked.add(request.url.path.split("/")[3])
            return httpx.Response(200, json={"status": "revoked"})
        return httpx.Response(404)

    # --- the portal -----------------------------------------------------------------------------
    def _portal(self, request: httpx.Request, body: Any) -> httpx.Response:
        path = request.url.path
        if path == "/api/register":
            if self.recipient_iin == body["iin"]:
                return httpx.Response(409, json={"error": "ALREADY_REGISTERED"})
            self.recipient_iin = body["iin"]
            return httpx.Response(201, json={"iin": body["iin"]})
        if path == "/api/login":
            if body["password"] != self.password:
                return httpx.Response(401, json={"error": "WRONG_PASSWORD"})
            response = httpx.Response(200, json={"csrf_token": CSRF})
            response.headers["set-cookie"] = "egov_session=abc; Path=/; HttpOnly"
            return response
        if request.method == "POST" and request.headers.get("X-CSRF-Token") != CSRF:
            return httpx.Response(403, json={"error": "CSRF_REJECTED"})
        if "egov_session=abc" not in request.headers.get("cookie", ""):
            return httpx.Response(401, json={"error": "NOT_AUTHENTICATED"})
        if path == "/api/services/H1/form":
            return httpx.Response(200, json=FORM)
        if path == "/api/applications/H1/draft":
            application_id = str(uuid.uuid4())
            xml = (
                f'<application xmlns="urn:test"><applicationId>{application_id}</applicationId>'
                f"<iin>{self.recipient_iin}</iin><organisationCode>{body['organisationCode']}</organisationCode>"
                "</application>"
            )
            self.applications[application_id] = {"status": "draft"}
            return httpx.Response(200, json={"applicationId": application_id, "xml": xml})
        if path == "/api/applications/H1":
            application = self.applications[body["applicationId"]]
            verified = verify_document(parse_xml(body["signed_xml"].encode()))
            identity = identity_from_certificate(verified.certificate)
            now = datetime.now(verified.certificate.not_valid_after_utc.tzinfo)
            if identity.iin != self.recipient_iin:
                code = "IIN_MISMATCH"
            elif verified.certificate.not_valid_after_utc < now:
                code = "CERT_EXPIRED"
            elif format(verified.certificate.serial_number, "x") in self.revoked:
                code = "CERT_REVOKED"
            else:
                application["status"] = "sent"
                return httpx.Response(200, json={"applicationId": body["applicationId"], "status": "sent"})
            application["status"] = "refused"
            return httpx.Response(
                200,
                json={"applicationId": body["applicationId"], "status": "refused", "reason": {"code": code}},
            )
        if path.startswith("/api/applications/"):
            application = self.applications[path.rsplit("/", 1)[1]]
            if application["status"] == "sent":
                application["status"] = "registered"
                return httpx.Response(200, json={"status": "registered", "history": [], "result": None})
            if application["status"] == "registered":
                application["status"] = "done"
            result = {"kind": "talon", "xml": "<talon/>"} if application["status"] == "done" else None
            return httpx.Response(
                200, json={"status": application["status"], "history": [], "result": result}
            )
        return httpx.Response(404)

    # --- phc-registry's workstation -------------------------------------------------------------
    def _phc(self, request: httpx.Request, body: Any) -> httpx.Response:
        path = request.url.path
        if path == "/api/workstation/login":
            return httpx.Response(
                200,
                json={
                    "csrf_token": PHC_CSRF,
                    "employee": {"iin": body["iin"]},
                    "organisation": {"code": "ZKO-AKS-01", "bin": "050240001112", "name_ru": "Поликлиника"},
                },
            )
        if request.method == "POST" and request.headers.get("X-CSRF-Token") != PHC_CSRF:
            return httpx.Response(403, json={"error": "CSRF_REJECTED"})
        if path == "/api/workstation/service":
            return httpx.Response(200, json={"code": body["service"], "name_ru": "…", "name_kk": "…"})
        if path == "/api/workstation/h1/lookup":
            if body["iin"] == "900101390508":
                refusal = {"ground": "NOT_IN_GBDFL", "signed_xml": "<refusal/>"}
                return httpx.Response(200, json={"iin": body["iin"], "status": "absent", "refusal": refusal})
            return httpx.Response(
                200, json={"iin": body["iin"], "status": "found", "person": {"iin": body["iin"]}}
            )
        if path == "/api/workstation/h1/draft":
            iin = request.url.params["iin"]
            xml = f'<application xmlns="urn:test"><iin>{iin}</iin></application>'
            return httpx.Response(200, content=xml.encode(), headers={"Content-Type": "application/xml"})
        if path == "/api/workstation/h1/register":
            verified = verify_document(parse_xml(body["signed_xml"].encode()))
            identity = identity_from_certificate(verified.certificate)
            assert identity.kind == "employee" and identity.bin
            return httpx.Response(
                200,
                json={
                    "registration_number": "H1-0001",
                    "status": "ATTACHED",
                    "talon": "<talon/>",
                    "refusal": None,
                },
            )
        return httpx.Response(404)
