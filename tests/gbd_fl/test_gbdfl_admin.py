"""Admin HTTP API of gbd-fl-mock: health, search filters, read, add with validation, test persons."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from gbd_fl_mock.domain.model import make_iin
from gbd_fl_mock.domain.test_persons import ABSENT_IIN, ADULT_IIN, DECEASED_IIN, TEST_PERSONS
from gbd_fl_mock.entrypoints.app import create_app
from gbd_fl_mock.settings import Settings

_next_serial = iter(range(9500, 10_000))  # reserved serials: never generated, free for new persons


def new_iin(birth: date, gender: str = "1") -> str:
    while True:
        iin = make_iin(birth, gender, next(_next_serial))
        if iin is not None:
            return iin


def person_body(iin: str, birth: date, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "iin": iin,
        "surname": "Тестов",
        "name": "Тест",
        "patronymic": "Тестович",
        "birth_date": birth.isoformat(),
        "reg_address": {
            "locality": "271001000",
            "street_ru": "ул. Евразия",
            "street_kz": "Еуразия көшесі",
            "building": "1",
            "flat": "2",
        },
        "documents": [
            {"type": "002", "number": "099999999", "begin_date": "2020-01-01", "end_date": "2029-12-31"}
        ],
    }
    body.update(extra)
    return body


def test_healthz_is_ok_once_populated(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "population": True}


def test_healthz_is_unavailable_before_population(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path, population_size=0), serve_shep=False)
    unstarted = TestClient(app)  # lifespan not run: nothing populated yet
    response = unstarted.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["population"] is False
    app.state.engine.dispose()


def test_search_by_surname_prefix_is_case_insensitive(client: TestClient) -> None:
    page = client.get("/admin/persons", params={"surname": "ахмет", "limit": 500}).json()
    assert page["total"] >= 2
    assert all(item["surname"].startswith("Ахмет") for item in page["items"])
    assert ADULT_IIN in {item["iin"] for item in page["items"]}


def test_search_by_region_name_or_code(client: TestClient) -> None:
    by_name = client.get("/admin/persons", params={"region": "Западно", "limit": 50}).json()
    by_code = client.get("/admin/persons", params={"region": "270000000", "limit": 50}).json()
    assert by_name["total"] == by_code["total"] > 1000
    assert all(item["reg_address"]["region"]["code"] == "270000000" for item in by_name["items"])
    kazakh = client.get("/admin/persons", params={"region": "Шығыс", "limit": 1}).json()
    assert kazakh["items"][0]["reg_address"]["region"]["code"] == "630000000"


def test_search_by_life_status_and_birth_dates(client: TestClient) -> None:
    deceased = client.get("/admin/persons", params={"life_status": "deceased", "limit": 500}).json()
    assert deceased["total"] > 10
    assert all(
        item["life_status"]["code"] == "2" and item["life_status"]["death_date"] for item in deceased["items"]
    )
    assert DECEASED_IIN in {
        item["iin"]
        for item in client.get(
            "/admin/persons", params={"life_status": "2", "surname": "Омаров", "limit": 500}
        ).json()["items"]
    }
    window = client.get(
        "/admin/persons",
        params={
            "birth_date_from": "1988-01-01",
            "birth_date_to": "1988-12-31",
            "name": "Ерлан",
            "limit": 500,
        },
    ).json()
    assert ADULT_IIN in {item["iin"] for item in window["items"]}
    assert all("1988-01-01" <= item["birth_date"] <= "1988-12-31" for item in window["items"])
    assert all(item["name"] == "Ерлан" for item in window["items"])


def test_search_by_iin_and_paging(client: TestClient) -> None:
    exact = client.get("/admin/persons", params={"iin": ADULT_IIN}).json()
    assert exact["total"] == 1 and exact["items"][0]["iin"] == ADULT_IIN
    first = client.get("/admin/persons", params={"region": "Жамбыл", "limit": 5, "offset": 0}).json()
    second = client.get("/admin/persons", params={"region": "Жамбыл", "limit": 5, "offset": 5}).json()
    both = client.get("/admin/persons", params={"region": "Жамбыл", "limit": 10}).json()
    assert [i["iin"] for i in first["items"] + second["items"]] == [i["iin"] for i in both["items"]]
    assert first["total"] == both["total"]


def test_search_rejects_unknown_filters(client: TestClient) -> None:
    region = client.get("/admin/persons", params={"region": "Алматинская"})
    assert region.status_code == 400 and region.json()["error"] == "UNKNOWN_REGION"
    status = client.get("/admin/persons", params={"life_status": "zombie"})
    assert status.status_code == 400 and status.json()["error"] == "UNKNOWN_DICTIONARY_CODE"
    assert client.get("/admin/persons", params={"limit": 0}).status_code == 422


def test_get_person(client: TestClient) -> None:
    adult = client.get(f"/admin/persons/{ADULT_IIN}")
    assert adult.status_code == 200
    body = adult.json()
    assert body["surname"] == "Ахметов" and body["gender"]["name_kz"] == "Ер"
    assert body["reg_address"]["full_address"]["name_kz"].startswith("Қазақстан, Жамбыл облысы")
    absent = client.get(f"/admin/persons/{ABSENT_IIN}")
    assert absent.status_code == 404
    assert absent.json()["error"] == "PERSON_NOT_FOUND"


def test_test_persons(client: TestClient) -> None:
    entries = client.get("/admin/test-persons").json()
    assert [entry["archetype"] for entry in entries] == [entry.archetype for entry in TEST_PERSONS]
    assert {entry["archetype"] for entry in entries} >= {
        "adult", "adult_vko", "adult_zko", "minor", "pensioner", "disabled", "deceased", "absent",
        "expired_document", "principal", "representative",
    }  # fmt: skip
    absent = next(entry for entry in entries if entry["archetype"] == "absent")
    assert absent["in_register"] is False and absent["iin"] == ABSENT_IIN
    for entry in entries:
        assert entry["purpose_ru"] and entry["purpose_kz"]
        if entry["in_register"]:
            assert client.get(f"/admin/persons/{entry['iin']}").status_code == 200


def test_add_person_then_read_it(client: TestClient) -> None:
    birth = date(1995, 7, 14)
    iin = new_iin(birth, "2")
    created = client.post(
        "/admin/persons", json=person_body(iin, birth, surname="Новая", patronymic="Тестовна")
    )
    assert created.status_code == 201, created.text
    assert created.json()["gender"]["code"] == "2"  # from ИИН digit 7
    assert created.json()["reg_address"]["region"]["code"] == "270000000"
    assert created.json()["birth_place"]["city"]["code"] == "271001000"
    read = client.get(f"/admin/persons/{iin}")
    assert read.status_code == 200 and read.json()["surname"] == "Новая"
    assert client.get("/admin/persons", params={"surname": "новая"}).json()["total"] >= 1


def test_add_duplicate_is_a_conflict(client: TestClient) -> None:
    birth = date(1988, 4, 12)
    response = client.post("/admin/persons", json=person_body(ADULT_IIN, birth))
    assert response.status_code == 409
    assert response.json()["error"] == "DUPLICATE_IIN"


def test_add_person_validation_errors(client: TestClient) -> None:
    birth = date(1990, 3, 3)
    good = new_iin(birth)
    wrong_check_digit = good[:11] + str((int(good[11]) + 1) % 10)
    in_zhambyl = {"locality": "271001000", "region": "310000000"}
    ends_first = [{"type": "002", "number": "1", "begin_date": "2021-01-01", "end_date": "2020-01-01"}]
    expired_status = [{"type": "002", "number": "1", "begin_date": "2021-01-01", "status": "2"}]
    cases: list[tuple[dict[str, Any], str]] = [
        (person_body(wrong_check_digit, birth), "INVALID_IIN_BIN"),
        (person_body("12345", birth), "INVALID_IIN_BIN"),
        (person_body(good, date(1990, 3, 4)), "IIN_BIRTH_DATE_MISMATCH"),
        (person_body(good, date(2090, 3, 3)), "IIN_CENTURY_MISMATCH"),
        (person_body(good, birth, gender="2"), "IIN_GENDER_MISMATCH"),
        (person_body(good, birth, nationality="999"), "UNKNOWN_DICTIONARY_CODE"),
        (person_body(good, birth, reg_address={"locality": "000000000"}), "UNKNOWN_DICTIONARY_CODE"),
        (person_body(good, birth, reg_address=in_zhambyl), "ADDRESS_MISMATCH"),
        (person_body(good, birth, death_date="1989-01-01"), "INVALID_DATES"),
        (person_body(good, birth, documents=ends_first), "INVALID_DATES"),
        (person_body(good, birth, documents=expired_status), "UNKNOWN_DICTIONARY_CODE"),
    ]
    for body, code in cases:
        response = client.post("/admin/persons", json=body)
        assert response.status_code == 400, (code, response.text)
        assert response.json()["error"] == code, (code, response.json())
        assert response.json()["message"]
    assert client.get(f"/admin/persons/{good}").status_code == 404  # nothing stored


def test_added_person_is_answered_through_shep(client: TestClient, gbd_app: Any, context: Any) -> None:
    from gbd_fl_mock.adapters.xml_body import NS, build_request

    birth = date(2019, 2, 2)
    iin = new_iin(birth, "1")
    assert client.post("/admin/persons", json=person_body(iin, birth, documents=[])).status_code == 201
    response = gbd_app.state.shep_handlers["GBDFL_UniversalServiceSync"](build_request(iin), context)
    assert response.findtext(f"{{{NS}}}messageResult/{{{NS}}}code") == "00000"
    assert response.findtext(f"{{{NS}}}persons/{{{NS}}}person/{{{NS}}}capableStatus/{{{NS}}}code") == "4"


def test_dictionaries_and_openapi_tags(client: TestClient) -> None:
    names = {entry["name"] for entry in client.get("/admin/dictionaries").json()}
    assert {"gender", "documentType", "region", "locality", "disabilityGroup"} <= names
    spec = client.get("/openapi.json").json()
    assert {tag["name"] for tag in spec["tags"]} >= {"health", "persons", "test persons"}
    assert spec["paths"]["/admin/persons"]["get"]["tags"] == ["persons"]
