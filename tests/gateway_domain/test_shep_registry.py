"""The gateway's registry: loading and validating the data file, authentication, binding, routing."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from egov_kit.clock import KZ_TZ
from egov_kit.identifiers import validate_bin
from gateway_shep.adapters.registry_file import load_registry, load_registry_text, main
from gateway_shep.domain.errors import (
    AccessDenied,
    MessageDateOutOfWindow,
    RegistryInvalid,
    SenderAuthFailed,
    SenderCertMismatch,
    SenderUnknown,
    ServiceUnknown,
)
from gateway_shep.domain.passwords import (
    InvalidPasswordHash,
    dev_password,
    make_password_hash,
    parse_password_hash,
    verify_password,
)
from gateway_shep.domain.registry import (
    AccessEntry,
    CertificateBinding,
    Channel,
    MessageType,
    Registry,
    check_certificate_binding,
    check_message_date,
)
from gateway_shep.settings import Settings

EXPECTED_SYSTEMS = {
    "SHEP",
    "GBDFL",
    "ENIS",
    "EGOV_PORTAL",
    "PHC_REGISTRY",
    "IIS_GK",
    "ARM_RSHEP",
    "TEST_INTEGRATOR",
}
TEST_SERVICES = {"TEST_EchoSync", "TEST_SlowSync", "TEST_EchoAsync"}
ASYNC_SERVICES = ("RPN_Attachment", "RPN_Appointment", "PHC_SanatoriumCard")


def _data(registry_text: str) -> dict[str, Any]:
    loaded = yaml.safe_load(registry_text)
    assert isinstance(loaded, dict)
    return copy.deepcopy(loaded)


def _load(data: dict[str, Any]) -> Registry:
    return load_registry_text(yaml.safe_dump(data, allow_unicode=True), source="test.yaml")


def _system(data: dict[str, Any], system_id: str) -> dict[str, Any]:
    return next(s for s in data["systems"] if s["id"] == system_id)


# --- loading ----------------------------------------------------------------------------------


def test_bundled_registry_has_the_systems_services_and_valid_bins(registry: Registry) -> None:
    assert set(registry.systems) == EXPECTED_SYSTEMS
    assert set(registry.services) == {
        "GBDFL_UniversalServiceSync",
        "ENIS_PowerOfAttorneySync",
        "RPN_MedicalOrganizationsSync",
        "RPN_DoctorScheduleSync",
        *ASYNC_SERVICES,
        *TEST_SERVICES,
    }
    for service_id in TEST_SERVICES:
        assert registry.service(service_id).provider_id == "TEST_INTEGRATOR"
    bins = [system.bin for system in registry.systems.values()]
    assert len(set(bins)) == len(bins)
    for system in registry.systems.values():
        assert validate_bin(system.bin) == system.bin
        assert system.certificate == CertificateBinding(common_name=system.system_id, bin=system.bin)
        assert system.password_hash.startswith("scrypt$")
    gbdfl = registry.service("GBDFL_UniversalServiceSync")
    assert (gbdfl.provider_id, gbdfl.channel) == ("GBDFL", Channel.SYNC)
    assert registry.service("ENIS_PowerOfAttorneySync").provider_id == "ENIS"
    for service_id in ASYNC_SERVICES:
        service = registry.service(service_id)
        assert (service.provider_id, service.channel) == ("PHC_REGISTRY", Channel.ASYNC)
        assert service.description.ru and service.description.kk
    assert registry.system("TEST_INTEGRATOR").test_system
    assert not any(s.test_system for s in registry.systems.values() if s.system_id != "TEST_INTEGRATOR")


def test_password_hash_is_not_in_repr(registry: Registry) -> None:
    assert "scrypt$" not in repr(registry.system("GBDFL"))


def test_settings_point_at_the_bundled_file_or_the_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SHEP_REGISTRY_FILE", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    settings = Settings()
    assert settings.service_name == "gateway-shep"
    assert settings.port == 8100
    assert settings.system_id == "SHEP"
    assert settings.message_date_window == timedelta(seconds=300)
    assert settings.max_message_bytes == 5 * 1024 * 1024
    assert load_registry(settings.registry_path).systems.keys() == EXPECTED_SYSTEMS
    other = tmp_path / "other.yaml"
    monkeypatch.setenv("SHEP_REGISTRY_FILE", str(other))
    assert Settings().registry_path == other


def test_check_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check"]) == 0
    assert "8 systems" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsystems: []\n", encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    assert "services" in capsys.readouterr().err


def _expect_invalid(data: dict[str, Any], *fragments: str) -> str:
    with pytest.raises(RegistryInvalid) as caught:
        _load(data)
    assert caught.value.code == "REGISTRY_INVALID"
    message = caught.value.message
    assert "test.yaml" in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_bad_bin_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    _system(data, "GBDFL")["bin"] = "990140001234"  # wrong check digit
    _expect_invalid(data, "systems.1.bin", "990140001234")


def test_bin_with_wrong_entity_digit_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    _system(data, "ENIS")["bin"] = "990130001239"  # check digit right, digit 5 (entity type) is 3
    _expect_invalid(data, "systems.2.bin")


def test_unknown_provider_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    data["services"][0]["provider"] = "NO_SUCH_SYSTEM"
    _expect_invalid(data, "provider 'NO_SUCH_SYSTEM' is not a known system")


def test_duplicate_system_id_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    data["systems"].append(copy.deepcopy(_system(data, "GBDFL")))
    _expect_invalid(data, "duplicate system id 'GBDFL'")


def test_duplicate_service_id_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    data["services"].append(copy.deepcopy(data["services"][0]))
    _expect_invalid(data, "duplicate service id 'GBDFL_UniversalServiceSync'")


def test_duplicate_yaml_key_is_refused(registry_text: str) -> None:
    text = registry_text.replace('bin: "990140001233"', 'bin: "990140001233"\n    bin: "980540004568"', 1)
    with pytest.raises(RegistryInvalid, match="duplicate key 'bin'"):
        load_registry_text(text)


def test_plain_password_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    _system(data, "GBDFL")["password_hash"] = "gbdfl-dev-secret"
    _expect_invalid(data, "systems.1.password_hash", "never a password")
    data = _data(registry_text)
    _system(data, "GBDFL")["password"] = "gbdfl-dev-secret"
    _expect_invalid(data, "systems.1.password")


def test_access_to_unknown_service_or_from_unknown_sender_is_refused(registry_text: str) -> None:
    data = _data(registry_text)
    data["access"][0]["services"].append("NoSuchService")
    data["access"].append({"sender": "GHOST", "services": ["RPN_Attachment"]})
    _expect_invalid(data, "unknown service 'NoSuchService'", "sender 'GHOST' is not a known system")


def test_wildcard_only_for_a_test_system(registry_text: str) -> None:
    data = _data(registry_text)
    portal = next(a for a in data["access"] if a["sender"] == "EGOV_PORTAL")
    portal["services"] = ["*"]
    _expect_invalid(data, "'*' is allowed only")


def test_replies_only_on_async_services(registry_text: str) -> None:
    data = _data(registry_text)
    phc = next(a for a in data["access"] if a["sender"] == "PHC_REGISTRY")
    phc["replies"].append("GBDFL_UniversalServiceSync")
    _expect_invalid(data, "replies are possible only on asynchronous services")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RegistryInvalid, match="cannot be read"):
        load_registry(tmp_path / "missing.yaml")
    with pytest.raises(RegistryInvalid, match="not valid YAML"):
        load_registry_text("systems: [\n")
    with pytest.raises(RegistryInvalid, match="must hold a mapping"):
        load_registry_text("- 1\n")


def test_domain_registry_checks_consistency_on_its_own(registry: Registry) -> None:
    systems = list(registry.systems.values())
    services = list(registry.services.values())
    with pytest.raises(RegistryInvalid, match="'\\*' is allowed only for a test system"):
        Registry(systems, services, [AccessEntry("GBDFL", services=frozenset({"*"}))])
    with pytest.raises(RegistryInvalid, match="defined twice"):
        Registry([*systems, systems[0]], services, [])


# --- passwords and authentication -----------------------------------------------------------


def test_password_hash_format_and_salt() -> None:
    first = make_password_hash("secret", n=2**10)
    second = make_password_hash("secret", n=2**10)
    assert first != second  # a fresh salt each time
    parsed = parse_password_hash(first)
    assert (parsed.n, parsed.r, parsed.p, len(parsed.salt), len(parsed.key)) == (1024, 8, 1, 16, 32)
    assert verify_password("secret", first)
    assert not verify_password("Secret", first)
    assert not verify_password("secret", "not-a-hash")
    for bad in ("scrypt$1000$8$1$AAAAAAAAAAA=$" + "A" * 44, "bcrypt$x", "scrypt$1024$8$1$!!$!!"):
        with pytest.raises(InvalidPasswordHash):
            parse_password_hash(bad)


@pytest.mark.parametrize("system_id", sorted(EXPECTED_SYSTEMS - {"TEST_INTEGRATOR"}))
def test_every_system_authenticates_with_its_dev_password(registry: Registry, system_id: str) -> None:
    assert registry.authenticate(system_id, dev_password(system_id)).system_id == system_id


def test_test_integrator_password(registry: Registry) -> None:
    assert registry.authenticate("TEST_INTEGRATOR", "test-integrator-secret").test_system


def test_wrong_password_and_unknown_sender(registry: Registry) -> None:
    with pytest.raises(SenderAuthFailed) as wrong:
        registry.authenticate("GBDFL", "enis-dev-secret")
    assert wrong.value.code == "SENDER_AUTH_FAILED"
    with pytest.raises(SenderUnknown) as unknown:
        registry.authenticate("NOBODY", "whatever")
    assert unknown.value.code == "SENDER_UNKNOWN"


def test_cached_success_does_not_let_a_wrong_password_through(registry: Registry) -> None:
    registry.authenticate("IIS_GK", "iis_gk-dev-secret")
    registry.authenticate("IIS_GK", "iis_gk-dev-secret")  # served from the cache
    with pytest.raises(SenderAuthFailed):
        registry.authenticate("IIS_GK", "iis_gk-dev-secreT")


# --- certificate binding ----------------------------------------------------------------------


def test_certificate_binding(registry: Registry) -> None:
    portal = registry.system("EGOV_PORTAL")
    assert portal.certificate.matches("EGOV_PORTAL", portal.bin)
    assert not portal.certificate.matches("EGOV_PORTAL", registry.system("GBDFL").bin)
    assert not portal.certificate.matches("GBDFL", portal.bin)
    assert not portal.certificate.matches("egov_portal", portal.bin)
    assert not portal.certificate.matches(None, portal.bin)
    check_certificate_binding(portal, "EGOV_PORTAL", portal.bin)
    with pytest.raises(SenderCertMismatch) as caught:
        check_certificate_binding(portal, "IIS_GK", registry.system("IIS_GK").bin)
    assert caught.value.code == "SENDER_CERT_MISMATCH"
    assert "CN=EGOV_PORTAL" in caught.value.message


# --- routing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "service", "provider"),
    [
        ("EGOV_PORTAL", "GBDFL_UniversalServiceSync", "GBDFL"),
        ("PHC_REGISTRY", "GBDFL_UniversalServiceSync", "GBDFL"),
        ("IIS_GK", "GBDFL_UniversalServiceSync", "GBDFL"),
        ("ARM_RSHEP", "GBDFL_UniversalServiceSync", "GBDFL"),
        ("IIS_GK", "ENIS_PowerOfAttorneySync", "ENIS"),
        ("PHC_REGISTRY", "ENIS_PowerOfAttorneySync", "ENIS"),
        ("ARM_RSHEP", "ENIS_PowerOfAttorneySync", "ENIS"),
        ("EGOV_PORTAL", "RPN_Attachment", "PHC_REGISTRY"),
        ("EGOV_PORTAL", "RPN_Appointment", "PHC_REGISTRY"),
        ("EGOV_PORTAL", "RPN_DoctorScheduleSync", "PHC_REGISTRY"),
        ("TEST_INTEGRATOR", "RPN_DoctorScheduleSync", "PHC_REGISTRY"),
        ("EGOV_PORTAL", "PHC_SanatoriumCard", "PHC_REGISTRY"),
        ("TEST_INTEGRATOR", "GBDFL_UniversalServiceSync", "GBDFL"),
        ("TEST_INTEGRATOR", "ENIS_PowerOfAttorneySync", "ENIS"),
        ("TEST_INTEGRATOR", "RPN_Attachment", "PHC_REGISTRY"),
    ],
)
def test_allowed_routes(registry: Registry, sender: str, service: str, provider: str) -> None:
    route = registry.route(registry.system(sender), service)
    assert route.service_id == service
    assert route.provider_id == provider
    assert route.recipient_id == provider
    assert not route.is_reply


@pytest.mark.parametrize(
    ("sender", "service"),
    [
        ("EGOV_PORTAL", "ENIS_PowerOfAttorneySync"),
        ("IIS_GK", "RPN_Attachment"),
        ("GBDFL", "GBDFL_UniversalServiceSync"),
        ("ENIS", "GBDFL_UniversalServiceSync"),
        ("SHEP", "RPN_Attachment"),
        ("PHC_REGISTRY", "RPN_Attachment"),  # the provider may reply on it, not request it
    ],
)
def test_access_denied(registry: Registry, sender: str, service: str) -> None:
    with pytest.raises(AccessDenied) as caught:
        registry.route(sender, service)
    assert caught.value.code == "ACCESS_DENIED"


def test_unknown_service(registry: Registry) -> None:
    with pytest.raises(ServiceUnknown) as caught:
        registry.route("TEST_INTEGRATOR", "NoSuchService")
    assert caught.value.code == "SERVICE_UNKNOWN"
    with pytest.raises(SenderUnknown):
        registry.route("NOBODY", "GBDFL_UniversalServiceSync")


def test_wildcard_reaches_every_service_for_the_test_integrator_only(registry: Registry) -> None:
    for service_id in registry.services:
        assert registry.route("TEST_INTEGRATOR", service_id).service_id == service_id
    callers = {
        sender for sender in registry.systems if all(registry.may_send(sender, s) for s in registry.services)
    }
    assert callers == {"TEST_INTEGRATOR"}


def test_replies_on_async_services(registry: Registry) -> None:
    for service_id in ASYNC_SERVICES:
        for message_type in (MessageType.RESPONSE, MessageType.UPDATE, "NOTIFICATION"):
            route = registry.route("PHC_REGISTRY", service_id, message_type)
            assert route.is_reply
            assert route.recipient_id is None
            assert route.provider_id == "PHC_REGISTRY"
        with pytest.raises(AccessDenied, match="RESPONSE"):
            registry.route("EGOV_PORTAL", service_id, MessageType.RESPONSE)
    # REQUEST is a request whatever the channel; a sync service has no replies through the access list.
    assert not registry.route("EGOV_PORTAL", "RPN_Attachment", "REQUEST").is_reply
    assert not registry.route("IIS_GK", "GBDFL_UniversalServiceSync", "RESPONSE").is_reply


def test_route_timeout(registry: Registry) -> None:
    route = registry.route("IIS_GK", "GBDFL_UniversalServiceSync")
    assert route.channel is Channel.SYNC
    assert route.timeout_seconds(default=30.0) == 10.0
    assert registry.route("EGOV_PORTAL", "RPN_Attachment").timeout_seconds(default=30.0) == 30.0


# --- message date window -----------------------------------------------------------------------


NOW = datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ)


@pytest.mark.parametrize(
    "offset",
    [timedelta(0), timedelta(minutes=-5), timedelta(minutes=5), timedelta(minutes=-4, seconds=-59)],
)
def test_message_date_inside_the_window(offset: timedelta) -> None:
    check_message_date(NOW + offset, NOW)


@pytest.mark.parametrize("offset", [timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)])
def test_message_date_outside_the_window(offset: timedelta) -> None:
    with pytest.raises(MessageDateOutOfWindow) as caught:
        check_message_date(NOW + offset, NOW)
    assert caught.value.code == "MESSAGE_DATE_OUT_OF_WINDOW"
    assert ("old" if offset < timedelta(0) else "future") in caught.value.message


def test_message_date_window_is_configurable_and_zone_aware() -> None:
    utc_moment = (NOW - timedelta(minutes=10)).astimezone(UTC)
    check_message_date(utc_moment, NOW, timedelta(minutes=15))
    with pytest.raises(MessageDateOutOfWindow):
        check_message_date(NOW + timedelta(minutes=2), NOW, timedelta(minutes=15), skew=timedelta(minutes=1))
    # A naive messageDate is read in Kazakhstan's zone.
    check_message_date(NOW.replace(tzinfo=None), NOW)
    with pytest.raises(MessageDateOutOfWindow):
        check_message_date((NOW - timedelta(hours=1)).replace(tzinfo=None), NOW)
