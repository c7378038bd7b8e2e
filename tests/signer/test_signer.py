"""`Signer` without the network: key choice by ИИН, the signature, the protocol answers and errors."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from egov_cli.signer import protocol
from egov_cli.signer.errors import InvalidDocument, NoSigningKey, SignerError
from egov_cli.signer.keys import KeyStore, document_signer
from egov_cli.signer.server import Signer
from egov_kit.clock import now
from egov_kit.dsig import verify_document
from egov_kit.pki import identity_from_certificate
from egov_kit.xml import parse_xml

from tests.signer.conftest import ADULT_IIN, MALFORMED, MINOR_IIN, PENSIONER_IIN, UNKNOWN_IIN, TestCa

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def application(iin: str, element: str = "recipientIin") -> str:
    return (
        '<app:application xmlns:app="urn:egov:rpn:attachment:1.0">'
        f"<app:{element}>{iin}</app:{element}>"
        "<app:organisation>ГКП «Поликлиника №1» — Тараз қ.</app:organisation>"
        "</app:application>"
    )


def signer_iin(signed: str) -> str | None:
    verified = verify_document(parse_xml(signed))
    return identity_from_certificate(verified.certificate).iin


def sign_request(xml: Any, storage: Any = "PKCS12", key_type: Any = "SIGNATURE") -> str:
    return json.dumps(
        {"module": protocol.MODULE, "method": "signXml", "args": [storage, key_type, xml, "", ""]},
        ensure_ascii=False,
    )


def assert_ru_kk(message: str, ru: str, kk: str) -> None:
    assert " / " in message
    assert ru in message, message
    assert kk in message, message


# --- choosing the key -------------------------------------------------------------------------------


def test_signs_with_the_key_of_the_iin_the_document_names(signer: Signer) -> None:
    signed = signer.sign_xml(application(PENSIONER_IIN))
    assert signer_iin(signed) == PENSIONER_IIN
    root = parse_xml(signed)
    assert root[-1].tag == f"{DS}Signature"
    assert "Тараз қ." in signed
    assert not signed.startswith("<?xml")


def test_an_xml_declaration_and_bytes_are_accepted(signer: Signer) -> None:
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + application(PENSIONER_IIN)
    assert signer_iin(signer.sign_xml(xml)) == PENSIONER_IIN
    assert signer_iin(signer.sign_xml(xml.encode())) == PENSIONER_IIN


@pytest.mark.parametrize("element", ["recipientIin", "iin", "employeeIin", "signerIin"])
def test_every_iin_element_selects_the_key(signer: Signer, element: str) -> None:
    assert signer_iin(signer.sign_xml(application(PENSIONER_IIN, element))) == PENSIONER_IIN


def test_the_first_iin_element_in_document_order_wins(signer: Signer) -> None:
    xml = f"<doc><head><iin>{PENSIONER_IIN}</iin></head><recipientIin>{ADULT_IIN}</recipientIin></doc>"
    assert signer_iin(signer.sign_xml(xml)) == PENSIONER_IIN
    found = document_signer(parse_xml(xml))
    assert found is not None
    assert (found.iin, found.element) == (PENSIONER_IIN, "iin")


def test_a_named_signer_wins_over_the_citizen_the_document_is_about(signer: Signer) -> None:
    """At the provider's workstation the employee signs an application that names a citizen."""
    xml = f"<doc><recipient><iin>{PENSIONER_IIN}</iin></recipient><signerIin>{ADULT_IIN}</signerIin></doc>"
    assert signer_iin(signer.sign_xml(xml)) == ADULT_IIN
    found = document_signer(parse_xml(xml))
    assert found is not None
    assert (found.iin, found.element) == (ADULT_IIN, "signerIin")


def test_unknown_or_absent_iin_falls_back_to_the_first_key(signer: Signer) -> None:
    assert signer_iin(signer.sign_xml(application(UNKNOWN_IIN))) == ADULT_IIN
    assert signer_iin(signer.sign_xml("<note>без ИИН / ЖСН жоқ</note>")) == ADULT_IIN


def test_default_key_is_used_when_no_iin_matches(keys_dir: Path) -> None:
    signer = Signer(keys_dir, default="pensioner")
    assert signer_iin(signer.sign_xml(application(UNKNOWN_IIN))) == PENSIONER_IIN
    assert signer_iin(signer.sign_xml(application(ADULT_IIN))) == ADULT_IIN


def test_a_missing_default_key_is_a_named_error(keys_dir: Path) -> None:
    signer = Signer(keys_dir, default="nobody")
    with pytest.raises(NoSigningKey) as caught:
        signer.sign_xml(application(UNKNOWN_IIN))
    assert caught.value.code == "DEFAULT_KEY_MISSING"
    assert_ru_kk(caught.value.message, "не найден", "табылмады")


def test_employee_elements_prefer_the_employee_certificate(keys_dir: Path, ca: TestCa) -> None:
    ca.issue(keys_dir / "pensioner-at-work", PENSIONER_IIN, "Петров", "Виктор", kind="employee")
    signer = Signer(keys_dir)
    employee = verify_document(parse_xml(signer.sign_xml(application(PENSIONER_IIN, "employeeIin"))))
    citizen = verify_document(parse_xml(signer.sign_xml(application(PENSIONER_IIN, "recipientIin"))))
    assert identity_from_certificate(employee.certificate).kind == "employee"
    assert identity_from_certificate(citizen.certificate).kind == "individual"


def test_a_certificate_valid_now_is_preferred_to_an_expired_one(keys_dir: Path, ca: TestCa) -> None:
    moment = now()
    ca.issue(
        keys_dir / "aaa-expired",
        MINOR_IIN,
        "Ахметов",
        "Әлихан",
        not_before=moment - timedelta(days=400),
        not_after=moment - timedelta(days=1),
    )
    valid = ca.issue(keys_dir / "minor", MINOR_IIN, "Ахметов", "Әлихан")
    verified = verify_document(parse_xml(Signer(keys_dir).sign_xml(application(MINOR_IIN))))
    assert verified.certificate == valid.certificate


def test_keys_added_while_running_are_picked_up(keys_dir: Path, ca: TestCa) -> None:
    signer = Signer(keys_dir)
    assert signer_iin(signer.sign_xml(application(MINOR_IIN))) == ADULT_IIN  # not there yet: default
    ca.issue(keys_dir / "minor", MINOR_IIN, "Ахметов", "Әлихан")
    assert signer_iin(signer.sign_xml(application(MINOR_IIN))) == MINOR_IIN


def test_a_folder_holding_one_key_store_is_one_key(keys_dir: Path) -> None:
    store = KeyStore(keys_dir / "pensioner")
    assert store.names() == ["pensioner"]
    assert signer_iin(Signer(store).sign_xml(application(ADULT_IIN))) == PENSIONER_IIN


def test_unreadable_key_folders_are_reported_and_skipped(keys_dir: Path) -> None:
    broken = keys_dir / "broken"
    broken.mkdir()
    (broken / "key.pem").write_text("not a key")
    (broken / "cert.pem").write_text("not a certificate")
    store = KeyStore(keys_dir)
    assert store.names() == ["adult", "pensioner"]
    assert len(store.problems) == 1
    assert store.problems[0].startswith("broken: ")


def test_the_signed_document_carries_the_chain(signer: Signer, ca: TestCa) -> None:
    verified = verify_document(parse_xml(signer.sign_xml(application(ADULT_IIN))))
    assert verified.chain == [ca.issuing.certificate, ca.root.certificate]


# --- errors -----------------------------------------------------------------------------------------


def test_no_key_is_a_named_error_and_a_500_answer(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "empty")
    assert not signer.is_ready()
    with pytest.raises(NoSigningKey) as caught:
        signer.sign_xml(application(ADULT_IIN))
    assert caught.value.code == "NO_SIGNING_KEY"
    answer = signer.handle(sign_request(application(ADULT_IIN)))
    assert set(answer) == {"code", "message"}
    assert answer["code"] == "500"
    assert_ru_kk(answer["message"], "Нет ключа для подписи", "Қол қоюға кілт жоқ")


def test_malformed_xml_is_a_500_answer_in_russian_and_kazakh(signer: Signer) -> None:
    answer = signer.handle(sign_request("<application><recipientIin>"))
    assert answer == {"code": "500", "message": MALFORMED}
    with pytest.raises(InvalidDocument) as caught:
        signer.sign_xml("not xml at all")
    assert caught.value.code == "MALFORMED_XML"


def test_dtd_and_entities_are_refused(signer: Signer) -> None:
    xml = '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(InvalidDocument) as caught:
        signer.sign_xml(xml)
    assert caught.value.code == "FORBIDDEN_DTD"
    assert signer.handle(sign_request(xml))["code"] == "500"


def test_an_already_signed_document_is_refused(signer: Signer) -> None:
    signed = signer.sign_xml(application(ADULT_IIN))
    with pytest.raises(InvalidDocument) as caught:
        signer.sign_xml(signed)
    assert caught.value.code == "ALREADY_SIGNED"
    assert_ru_kk(caught.value.message, "уже подписан", "қол қойылған")


def test_signer_errors_are_named(signer: Signer) -> None:
    with pytest.raises(SignerError) as caught:
        signer.sign_xml("")
    assert caught.value.code == "MALFORMED_XML"
    assert caught.value.ru and caught.value.kk


# --- protocol answers -------------------------------------------------------------------------------


def test_get_active_tokens_answer(signer: Signer) -> None:
    assert signer.get_active_tokens() == ["PKCS12"]
    answer = signer.handle(json.dumps({"module": protocol.MODULE, "method": "getActiveTokens"}))
    assert answer == {"code": "200", "responseObject": ["PKCS12"]}


def test_sign_xml_answer(signer: Signer) -> None:
    answer = signer.handle(sign_request(application(PENSIONER_IIN)))
    assert set(answer) == {"code", "responseObject"}
    assert answer["code"] == "200"
    assert signer_iin(answer["responseObject"]) == PENSIONER_IIN


def test_empty_key_type_means_signature(signer: Signer) -> None:
    assert signer.handle(sign_request(application(ADULT_IIN), key_type=""))["code"] == "200"


def test_greeting() -> None:
    assert protocol.greeting() == {"result": {"version": "1.4"}}


def request(method: str, args: Any = None, module: str = protocol.MODULE) -> str:
    body: dict[str, Any] = {"module": module, "method": method}
    if args is not None:
        body["args"] = args
    return json.dumps(body)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not json", "JSON"),
        ("[1, 2]", "JSON-объект"),
        (json.dumps({"module": protocol.MODULE}), "module/method"),
        (request("signXml", "x"), "args"),
        (request("signXml", []), "storageName"),
        (request("signXml", ["PKCS12", 1, "<a/>"]), "keyType"),
        (request("signXml", ["PKCS12", "SIGNATURE"]), "xml"),
        (sign_request(42), "xml"),
        (sign_request("<a/>", storage="AKKaztokenStore"), "AKKaztokenStore"),
        (sign_request("<a/>", key_type="AUTHENTICATION"), "AUTHENTICATION"),
        (request("getKeyInfo", ["PKCS12"]), "getKeyInfo"),
        (request("sign", module="kz.gov.pki.knca.basics"), "kz.gov.pki.knca.basics.sign"),
        (request("signXml", ["PKCS12", "SIGNATURE", "<a/>", "/a", ""]), "XPath"),
    ],
)
def test_bad_requests_are_500_answers(signer: Signer, raw: str, fragment: str) -> None:
    answer = signer.handle(raw)
    assert answer["code"] == "500"
    ru, kk = answer["message"].split(" / ")
    assert ru.startswith("Некорректный запрос") or "не поддерживается" in ru
    assert kk.startswith("NCALayer-ге") or "қолдау көрсет" in kk
    assert fragment in ru and fragment in kk


def test_binary_frames_are_read_as_utf8(signer: Signer) -> None:
    answer = signer.handle(sign_request(application(ADULT_IIN)).encode())
    assert answer["code"] == "200"
    assert signer.handle(b"\xff\xfe")["code"] == "500"


def test_an_unexpected_failure_is_a_generic_500_answer(
    signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(_xml: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(signer, "sign_xml", explode)
    answer = signer.handle(sign_request("<a/>"))
    assert answer["code"] == "500"
    assert "boom" not in answer["message"]
    assert_ru_kk(answer["message"], "Внутренняя ошибка", "ішкі қате")
