"""Carry a scenario out against the running stack, as the user would, inside one trace.

The replay starts its own root span per scenario ("replay <scenario id>") and one child span per
action, exports them like any service (OTLP/HTTP) and sends the W3C ``traceparent`` of the current
action on every HTTP request, so everything the scenario causes — portal steps, ШЭП hops, provider
steps — lands in one trace. ``setup`` actions run first in a trace of their own (not compared).

Keys are issued by nuc-mock's API for the test person (``POST /api/certificates``; expired: validity
in the past; revoked: issued, then ``POST /api/certificates/{serial}/revoke``) and documents are
signed directly with :func:`egov_kit.dsig.sign_document` — no signer process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from egov_kit.clock import now
from egov_kit.dsig import sign_document
from egov_kit.pki.keys import KeyPair
from egov_kit.xml import parse_xml
from lxml import etree
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from egov_cli.replay.compare import ActionRecord, Outcome
from egov_cli.replay.h2_actions import H2Actions
from egov_cli.replay.h3_portal_actions import H3PortalActions
from egov_cli.replay.h3_provider_actions import H3ProviderActions
from egov_cli.replay.plumbing import (
    FINAL_STATUSES,
    ActionFailed,
    error_code,
    find_value,
    json_body,
    registered_phone,
)
from egov_cli.replay.scenario import PROVIDER_ACTIONS, Employee, Recipient, Scenario

_propagator = TraceContextTextMapPropagator()


@dataclass(frozen=True)
class Endpoints:
    """Where the running stack answers (environment: ``PORTAL_URL``, ``PHC_URL``, ``NUC_URL``, …)."""

    portal: str = "http://127.0.0.1:8000"
    phc: str = "http://127.0.0.1:8104"
    nuc: str = "http://127.0.0.1:8103"
    shep: str = "http://127.0.0.1:8100"
    trace_sink: str = "http://127.0.0.1:4318"
    jaeger: str = "http://127.0.0.1:16686"
    sms: str = "http://127.0.0.1:8107"  # the SMS gateway: the phone's outbox (H3 one-time passwords)
    otlp: str | None = None  # where the replay exports its own spans (default: trace-sink)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if environ is None else environ
        from egov_kit.settings import CommonSettings

        common = CommonSettings()
        return cls(
            portal=env.get("PORTAL_URL", cls.portal),
            phc=env.get("PHC_URL", cls.phc),
            nuc=env.get("NUC_URL", common.nuc_url),
            shep=env.get("SHEP_URL", common.shep_url),
            trace_sink=env.get("TRACE_SINK_URL", cls.trace_sink),
            jaeger=env.get("JAEGER_URL", cls.jaeger),
            sms=env.get("SMS_GATEWAY_URL", cls.sms),
            otlp=env.get("REPLAY_OTLP_ENDPOINT"),
        )

    def otlp_traces_url(self, source: str) -> str:
        base = self.otlp or (
            self.trace_sink
            if source == "trace-sink"
            else os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", self.trace_sink)
        )
        base = base.rstrip("/")
        return base if base.endswith("/v1/traces") else base + "/v1/traces"


def organisations_in(form: Any) -> list[dict[str, Any]]:
    """The medical organisations offered by a form: the first list of objects that carry a ``code``."""
    if isinstance(form, list) and form and all(isinstance(item, dict) and "code" in item for item in form):
        return form
    if isinstance(form, dict):
        for key in ("organisations", "organizations", "medicalOrganisations", "options"):
            value = form.get(key)
            if isinstance(value, list) and value and all(isinstance(i, dict) and "code" in i for i in value):
                return value
        for value in form.values():
            found = organisations_in(value)
            if found:
                return found
    if isinstance(form, list):
        for item in form:
            found = organisations_in(item)
            if found:
                return found
    return []


def choose_organisation(organisations: list[dict[str, Any]], locality: str | None, region: str | None) -> str:
    """By the person's locality, else region, else the first one offered."""

    def field_of(item: Mapping[str, Any], *names: str) -> str:
        for name in names:
            if item.get(name):
                return str(item[name])
        return ""

    if not organisations:
        raise ActionFailed("the form offers no medical organisation")
    if locality:
        for item in organisations:
            if field_of(item, "localityCode", "locality_code", "locality") == locality:
                return str(item["code"])
    if region:
        for item in organisations:
            if field_of(item, "regionCode", "region_code", "region") == region:
                return str(item["code"])
    return str(organisations[0]["code"])


@dataclass
class TestPersonInfo:
    archetype: str
    iin: str
    surname: str
    name: str
    locality: str | None
    region: str | None

    __test__ = False

    @classmethod
    def of(cls, archetype: str) -> TestPersonInfo:
        from gbd_fl_mock.domain.test_persons import TEST_PERSONS_BY_ARCHETYPE

        entry = TEST_PERSONS_BY_ARCHETYPE[archetype]
        person = entry.person
        if person is None:  # absent from ГБД ФЛ: a valid ИИН, no record
            return cls(archetype, entry.iin, "TESTOV", "TEST", None, None)
        address = person.reg_address
        return cls(
            archetype,
            entry.iin,
            person.surname,
            person.name,
            address.locality if address else None,
            address.region if address else None,
        )


@dataclass
class KeyIssuer:
    """Test keys from nuc-mock, one per (holder, kind) and run."""

    client: httpx.Client
    nuc_url: str
    _cache: dict[tuple[str, str, str], KeyPair] = field(default_factory=dict)

    def individual(self, person: TestPersonInfo, kind: str) -> KeyPair:
        payload: dict[str, Any] = {
            "kind": "individual",
            "iin": person.iin,
            "surname": person.surname,
            "given_name": person.name,
            "key_type": "rsa",
        }
        return self._issue(("individual", person.iin, kind), payload, kind)

    def employee(self, iin: str, bin_: str, organisation: str, roles: list[str], kind: str) -> KeyPair:
        payload: dict[str, Any] = {
            "kind": "employee",
            "iin": iin,
            "bin": bin_,
            "surname": "SOTRUDNIK",
            "given_name": "REPLAY",
            "organisation": organisation,
            "roles": roles,
            "key_type": "rsa",
        }
        return self._issue(("employee", f"{iin}/{bin_}", kind), payload, kind)

    def _issue(self, cache_key: tuple[str, str, str], payload: dict[str, Any], kind: str) -> KeyPair:
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        if kind == "expired":
            moment = now()
            payload["not_before"] = (moment - timedelta(days=400)).isoformat()
            payload["not_after"] = (moment - timedelta(days=1)).isoformat()
        base = self.nuc_url.rstrip("/")
        try:
            response = self.client.post(f"{base}/api/certificates", json=payload)
        except httpx.HTTPError as exc:
            raise ActionFailed(f"nuc-mock at {base} is unreachable: {exc}") from exc
        if response.status_code != 200:
            raise ActionFailed(
                f"nuc-mock refused to issue a certificate: HTTP {response.status_code} {response.text[:300]}"
            )
        body = response.json()
        keypair = KeyPair.from_pem(
            body["key_pem"].encode(), body["cert_pem"].encode(), body["chain_pem"].encode()
        )
        if kind == "revoked":
            revoked = self.client.post(
                f"{base}/api/certificates/{body['serial']}/revoke", json={"reason": "key_compromise"}
            )
            if revoked.status_code != 200:
                raise ActionFailed(f"nuc-mock did not revoke {body['serial']}: HTTP {revoked.status_code}")
        self._cache[cache_key] = keypair
        return keypair


def sign_xml(xml: str, keypair: KeyPair) -> str:
    """The document signed (enveloped XML-DSig) with the key pair's key, certificate and chain."""
    root = parse_xml(xml.encode("utf-8"))
    sign_document(root, keypair.private_key, keypair.certificate, chain=keypair.chain)
    return etree.tostring(root, encoding="unicode")


def employee_account(spec: Employee, person: TestPersonInfo) -> dict[str, Any]:
    """The workstation account to log in with: the scenario's, the environment's, or phc-registry's seed.

    From phc-registry's seed (``phc_registry.domain.seed``): a registrar (an employee without the
    right of signature) of the organisation named in the scenario, or of the first organisation
    serving the recipient's locality; every seeded employee's password is ``DEV_PASSWORD``.
    """
    if spec.iin and spec.password:
        return {"iin": spec.iin, "password": spec.password}
    if os.environ.get("PHC_EMPLOYEE_IIN") and os.environ.get("PHC_EMPLOYEE_PASSWORD"):
        return {"iin": os.environ["PHC_EMPLOYEE_IIN"], "password": os.environ["PHC_EMPLOYEE_PASSWORD"]}
    try:
        from phc_registry.domain.seed import DEV_PASSWORD, ORGANISATIONS
    except ImportError as exc:
        raise ActionFailed(
            "no workstation account for the employee: give actors.employee.iin/password in the scenario "
            "or PHC_EMPLOYEE_IIN/PHC_EMPLOYEE_PASSWORD"
        ) from exc
    organisations = list(ORGANISATIONS)
    if spec.organisation != "by_locality":
        organisations = [org for org in organisations if org.code == spec.organisation]
    elif person.locality:
        serving = [org for org in organisations if org.serves_locality(person.locality)]
        organisations = serving or organisations
    if not organisations:
        raise ActionFailed(f"phc-registry's seed has no organisation {spec.organisation!r}")
    organisation = organisations[0]
    staff = sorted(organisation.staff, key=lambda member: (member.authorised, member.section is not None))
    member = staff[0]
    return {
        "iin": member.iin,
        "password": DEV_PASSWORD,
        "bin": organisation.bin,
        "organisation_code": organisation.code,
        "organisation_name": organisation.name_ru,
    }


@dataclass
class RunState:
    scenario: Scenario
    recipient: TestPersonInfo
    signer: TestPersonInfo
    portal: httpx.Client
    phc: httpx.Client
    csrf: str | None = None
    phc_csrf: str | None = None
    organisation_code: str | None = None
    application_id: str | None = None
    draft_xml: str | None = None
    signed_xml: str | None = None
    employee: dict[str, Any] = field(default_factory=dict)
    workstation_person: Any = None
    workstation_draft: str | None = None
    workstation_signed: str | None = None
    final_status: str | None = None
    result_kind: str | None = None
    application_ids: list[str] = field(default_factory=list)
    otp_code: str | None = None  # H3: the one-time password read from the phone
    h2: dict[str, Any] = field(default_factory=dict)  # H2: the chosen organisation, doctor, slot
    application: dict[str, Any] = field(default_factory=dict)  # the application as the API showed it


@dataclass
class ReplayTracer:
    """A private tracer provider for the replay's own spans (never the process-global one)."""

    provider: TracerProvider

    @classmethod
    def exporting_to(cls, traces_url: str | None, *, processor: SpanProcessor | None = None) -> ReplayTracer:
        provider = TracerProvider(resource=Resource.create({"service.name": "egov-replay"}))
        if processor is not None:
            provider.add_span_processor(processor)
        elif traces_url:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # Batched: a trace store that is down must not slow the user's actions down.
            exporter = OTLPSpanExporter(endpoint=traces_url, timeout=5)
            provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
        return cls(provider)

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("egov.replay")

    def shutdown(self) -> None:
        self.provider.force_flush(5000)
        self.provider.shutdown()


def traceparent_of(span: Span) -> dict[str, str]:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


@dataclass
class RunResult:
    trace_id: str
    start_ns: int
    end_ns: int
    outcome: Outcome
    setup_trace_id: str | None = None


class Driver(H3PortalActions, H3ProviderActions, H2Actions):
    """Runs scenarios over HTTP against the portal, phc-registry and nuc-mock."""

    def __init__(
        self,
        endpoints: Endpoints,
        tracer: ReplayTracer,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.tracer = tracer
        self.timeout = timeout
        self.transport = transport
        self.log = log or (lambda _line: None)
        self._headers: dict[str, str] = {}

    def _client(self, base_url: str) -> httpx.Client:
        return httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=self.timeout,
            transport=self.transport,
            event_hooks={"request": [self._add_trace_headers]},
        )

    def _add_trace_headers(self, request: httpx.Request) -> None:
        for key, value in self._headers.items():
            request.headers[key] = value

    @contextmanager
    def _span(self, name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Span]:
        with self.tracer.tracer.start_as_current_span(name, attributes=dict(attributes or {})) as span:
            previous = self._headers
            self._headers = traceparent_of(span)
            try:
                yield span
            finally:
                self._headers = previous

    def run(self, scenario: Scenario) -> RunResult:
        recipient_spec: Recipient = scenario.actors.recipient
        state = RunState(
            scenario=scenario,
            recipient=TestPersonInfo.of(recipient_spec.archetype),
            signer=TestPersonInfo.of(recipient_spec.signer_archetype),
            portal=self._client(self.endpoints.portal),
            phc=self._client(self.endpoints.phc),
        )
        nuc = self._client(self.endpoints.nuc)
        keys = KeyIssuer(nuc, self.endpoints.nuc)
        records: list[ActionRecord] = []
        error: str | None = None
        setup_trace: str | None = None
        trace_id = "0" * 32
        start_ns = time.time_ns()
        try:
            if scenario.setup:
                setup_trace = self._setup(scenario, state, keys)
            start_ns = time.time_ns()
            with self._span(
                f"replay {scenario.id}",
                {"egov.replay.scenario": scenario.id, "egov.service": scenario.regulation},
            ) as root:
                trace_id = format(root.get_span_context().trace_id, "032x")
                try:
                    for action in scenario.actions:
                        record = self._do(action, state, keys)
                        records.append(record)
                        self.log(_action_line(record))
                        if not record.ok:
                            break  # a refused action ends the user's path
                    if state.application_id and state.final_status is None:
                        state.final_status = self._status(state)
                except ActionFailed as exc:
                    error = str(exc)
                    root.set_status(Status(StatusCode.ERROR, error))
        except ActionFailed as exc:  # in the setup
            error = f"setup: {exc}"
        finally:
            state.portal.close()
            state.phc.close()
            nuc.close()
        outcome = Outcome(
            actions=tuple(records),
            final_status=state.final_status,
            result_kind=state.result_kind,
            application_ids=tuple(state.application_ids),
            error=error,
            application=dict(state.application),
        )
        return RunResult(trace_id, start_ns, time.time_ns(), outcome, setup_trace)

    def _setup(self, scenario: Scenario, state: RunState, keys: KeyIssuer) -> str:
        """Run the setup actions in a trace of their own; then start a fresh portal session."""
        with self._span(f"replay setup {scenario.id}", {"egov.replay.scenario": scenario.id}) as root:
            setup_trace = format(root.get_span_context().trace_id, "032x")
            for action in scenario.setup:
                record = self._do(action, state, keys)
                self.log("  (setup) " + _action_line(record).strip())
                if not record.as_expected:
                    raise ActionFailed(f"{record.name}: {record.error_code or record.detail}")
        state.portal.close()
        state.portal = self._client(self.endpoints.portal)
        state.csrf = None
        state.final_status = state.result_kind = state.application_id = None
        state.application_ids.clear()
        return setup_trace

    # --- actions ---------------------------------------------------------------------------------

    def _do(self, action: Any, state: RunState, keys: KeyIssuer) -> ActionRecord:
        handler: Callable[[Any, RunState, KeyIssuer], tuple[bool, str, str | None]] = getattr(
            self, f"_{action.do}"
        )
        if action.do in ("sign", "workstation_sign", "read_otp", "h3_workstation_sign"):
            target = ""  # the user's own key: no system is asked
        else:
            target = "phc-registry" if action.do in PROVIDER_ACTIONS else "egov-portal"
        started = time.time_ns()
        with self._span(f"replay: {action.do}", {"egov.replay.action": action.do}) as span:
            ok, detail, code = handler(action, state, keys)
            if not ok:
                span.set_status(Status(StatusCode.ERROR, code or detail))
        return ActionRecord(
            name=action.do,
            ok=ok,
            expected=action.outcome,
            detail=detail,
            error_code=code,
            start_ns=started,
            end_ns=time.time_ns(),
            target=target,
        )

    def _post(
        self,
        client: httpx.Client,
        path: str,
        payload: Any,
        csrf: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**(headers or {}), **({"X-CSRF-Token": csrf} if csrf else {})}
        try:
            return client.post(path, json=payload, headers=sent)
        except httpx.HTTPError as exc:
            raise ActionFailed(f"{client.base_url}{path} is unreachable: {exc}") from exc

    def _get(
        self, client: httpx.Client, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        try:
            return client.get(path, params=dict(params or {}))
        except httpx.HTTPError as exc:
            raise ActionFailed(f"{client.base_url}{path} is unreachable: {exc}") from exc

    @staticmethod
    def _answer(response: httpx.Response) -> tuple[bool, str, str | None]:
        if response.is_success:
            return True, f"HTTP {response.status_code}", None
        return False, f"HTTP {response.status_code}", error_code(response) or f"HTTP_{response.status_code}"

    def _register(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        spec = state.scenario.actors.recipient
        response = self._post(
            state.portal,
            "/api/register",
            {"iin": state.recipient.iin, "password": spec.password, "phone": registered_phone(state)},
            None,
        )
        if response.status_code == 409:  # registered by an earlier replay: fine
            return True, "already registered", error_code(response)
        return self._answer(response)

    def _login(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        spec = state.scenario.actors.recipient
        password = spec.password + ("-wrong" if action.wrong_password else "")
        response = self._post(
            state.portal,
            "/api/login",
            # serviceId: process 1 and condition 1 are spans of the scenario's regulation
            {"iin": state.recipient.iin, "password": password, "serviceId": state.scenario.regulation},
            None,
        )
        ok, detail, code = self._answer(response)
        if ok:
            state.csrf = find_value(json_body(response), "csrf_token", "csrfToken")
        return ok, detail, code

    def _choose_organisation(
        self, action: Any, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        service = state.scenario.regulation
        response = self._get(state.portal, f"/api/services/{service}/form")
        ok, detail, code = self._answer(response)
        if not ok:
            return ok, detail, code
        if action.by == "code":
            state.organisation_code = action.code
        else:
            organisations = organisations_in(json_body(response))
            locality = state.recipient.locality if action.by == "locality" else None
            region = state.recipient.region if action.by == "locality" else None
            state.organisation_code = choose_organisation(organisations, locality, region)
        return True, f"organisation {state.organisation_code}", None

    def _draft(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        if state.organisation_code is None:
            raise ActionFailed("draft needs an organisation: add choose_organisation before it")
        response = self._post(
            state.portal,
            f"/api/applications/{state.scenario.regulation}/draft",
            {"organisationCode": state.organisation_code, "reason": action.reason},
            state.csrf,
        )
        ok, detail, code = self._answer(response)
        if ok:
            detail = self._keep_draft(state, json_body(response), "draft")
        return ok, detail, code

    def _sign(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        kind = action.key or state.scenario.actors.recipient.key
        holder = state.signer if kind == "other_person" else state.recipient
        keypair = keys.individual(holder, "valid" if kind == "other_person" else kind)
        assert state.draft_xml is not None
        state.signed_xml = sign_xml(state.draft_xml, keypair)
        return True, f"signed with a {kind} key of {holder.archetype} ({holder.iin})", None

    def _submit(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        response = self._post(
            state.portal,
            f"/api/applications/{state.scenario.regulation}",
            {"applicationId": state.application_id, "signed_xml": state.signed_xml},
            state.csrf,
        )
        body = json_body(response)
        status = find_value(body, "status")
        if isinstance(status, str):
            state.final_status = status if status in FINAL_STATUSES else None
        ok, detail, code = self._answer(response)
        if ok and isinstance(status, str) and status == "refused":
            reason = find_value(body, "reason", "code")
            return False, "refused at submission", str(find_value(reason, "code") or reason or "REFUSED")
        return ok, detail, code

    def _status(self, state: RunState) -> str | None:
        response = self._get(state.portal, f"/api/applications/{state.application_id}")
        if not response.is_success:
            return None
        body = json_body(response) or {}
        status = body.get("status") if isinstance(body, dict) else None
        result = body.get("result") if isinstance(body, dict) else None
        if isinstance(result, dict):
            state.result_kind = str(result.get("kind") or result.get("type") or "") or None
        if isinstance(body, dict):
            state.application = body
        return str(status) if status else None

    def _wait_result(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        final, status = self._await_status(state, action.timeout_seconds, FINAL_STATUSES)
        if final:
            return True, f"status {status}", None
        return False, f"no final status within {action.timeout_seconds:.0f} s (last: {status})", "TIMEOUT"

    # --- the provider's workstation (phc-registry) -----------------------------------------------

    def _workstation_login(
        self, action: Any, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        employee = state.scenario.actors.employee
        assert employee is not None
        account = employee_account(employee, state.recipient)
        response = self._post(
            state.phc,
            "/api/workstation/login",
            {"iin": account["iin"], "password": account["password"]},
            None,
        )
        ok, detail, code = self._answer(response)
        if ok:
            body = json_body(response)
            state.phc_csrf = find_value(body, "csrf_token", "csrfToken")
            state.employee = {
                **account,
                "bin": account.get("bin") or find_value(body, "bin", "organisationBin"),
                "organisation": account.get("organisation_name")
                or find_value(body, "organisationName", "organisation_name", "name_ru", "nameRu")
                or "Медицинская организация",
                "organisation_code": account.get("organisation_code")
                or find_value(body, "organisationCode", "organisation_code", "code"),
            }
        return ok, detail, code

    def _lookup(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        response = self._post(
            state.phc, "/api/workstation/h1/lookup", {"iin": state.recipient.iin}, state.phc_csrf
        )
        ok, detail, code = self._answer(response)
        body = json_body(response)
        if ok and isinstance(body, dict) and (body.get("found") is False or body.get("refusal")):
            # step 4: ГБД ФЛ has no data on the recipient; the workstation forms a motivated refusal
            refusal = body.get("refusal")
            ground = find_value(refusal, "ground", "code") if refusal else None
            return False, "no data in ГБД ФЛ", str(find_value(ground, "code") or ground or "NOT_IN_GBDFL")
        if ok:
            state.workstation_person = body
        return ok, detail, code

    def _choose_service(self, action: Any, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        response = self._post(
            state.phc, "/api/workstation/service", {"service": state.scenario.regulation}, state.phc_csrf
        )
        return self._answer(response)

    def _workstation_draft(
        self, action: Any, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        params = {"iin": state.recipient.iin, "reason": action.reason}
        response = self._get(state.phc, "/api/workstation/h1/draft", params)
        ok, detail, code = self._answer(response)
        if ok:
            body = json_body(response)  # the XML itself, or a JSON object carrying it
            state.workstation_draft = find_value(body, "xml") if body is not None else response.text
            if not state.workstation_draft:
                raise ActionFailed("the workstation draft carries no xml")
        return ok, detail, code

    def _workstation_sign(
        self, action: Any, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        employee = state.scenario.actors.employee
        assert employee is not None and state.workstation_draft is not None
        bin_ = state.employee.get("bin")
        if not bin_:
            raise ActionFailed(
                "the workstation did not tell the organisation's БИН for the employee certificate"
            )
        keypair = keys.employee(
            str(state.employee["iin"]),
            str(bin_),
            str(state.employee.get("organisation") or "Медицинская организация"),
            list(employee.roles),
            employee.key,
        )
        state.workstation_signed = sign_xml(state.workstation_draft, keypair)
        return True, f"signed by employee {state.employee['iin']}", None

    def _workstation_register(
        self, action: Any, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        response = self._post(
            state.phc,
            "/api/workstation/h1/register",
            {"signed_xml": state.workstation_signed},
            state.phc_csrf,
        )
        ok, detail, code = self._answer(response)
        body = json_body(response)
        if not ok or not isinstance(body, dict):
            return ok, detail, code
        status = body.get("status")
        if isinstance(status, str):
            state.final_status = status.lower()
        if body.get("talon"):
            state.result_kind = "talon"
        elif body.get("refusal"):
            state.result_kind = "refusal"
        elif isinstance(body.get("kind"), str):
            state.result_kind = str(body["kind"]).lower()
        number = find_value(body, "registration_number", "registrationNumber", "number")
        if number:
            state.application_ids.append(str(number))
            detail = f"registered as {number}"
        return ok, detail, code


def _action_line(record: ActionRecord) -> str:
    line = f"  {record.name:<22} {'ok' if record.ok else 'refused'}"
    if record.error_code:
        line += f" ({record.error_code})"
    if not record.as_expected:
        line += "  <- not as expected"
    return line
