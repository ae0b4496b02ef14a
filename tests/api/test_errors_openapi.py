"""Health probes, the OpenAPI document, and the one error shape every failure uses."""

from revalue import __version__
from tests.api.operations import ACCESS
from tests.api.support import assert_error, quote_body, trade_in_total

# Every operation the API serves: the role matrix's table, where a new one must be added.
OPERATIONS = set(ACCESS)
ERROR_REF = "#/components/schemas/ErrorOut"


def _spec(client) -> dict:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(spec: dict) -> dict:
    return {
        (method, path): op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_health_says_ok_with_the_version(client):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": __version__}


def test_livez_answers_plain_ok(client):
    r = client.get("/livez")
    assert r.status_code == 200
    assert r.text == "ok"
    assert r.headers["content-type"].startswith("text/plain")


def test_openapi_lists_exactly_the_served_operations(client):
    assert set(_operations(_spec(client))) == OPERATIONS


def test_every_operation_but_health_declares_its_json_error_responses(client):
    spec = _spec(client)
    for (method, path), op in _operations(spec).items():
        if path == "/health":
            continue
        for status in ("404", "409", "422"):
            response = op["responses"].get(status)
            assert response is not None, f"{method} {path} lacks {status}"
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status}: {schema}"
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message", "details"}


def test_openapi_documents_success_bodies_and_the_csv_import(client):
    spec = _spec(client)
    ops = _operations(spec)
    accept = ops[("post", "/trade-ins/{trade_in_id}/accept")]
    schema = accept["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/TradeInOut"}
    assert "201" in ops[("post", "/quotes")]["responses"]
    assert "201" in ops[("post", "/programs")]["responses"]
    assert "201" in ops[("post", "/programs/{program_id}/promotions")]["responses"]
    body = ops[("post", "/catalog/import")]["requestBody"]
    assert list(body["content"]) == ["text/csv"]
    assert body["required"] is True
    export = ops[("get", "/catalog/export")]["responses"]["200"]["content"]
    assert list(export) == ["text/csv"]


def test_an_unknown_path_is_a_json_404(client):
    assert_error(client.get("/no-such-thing"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(client):
    assert_error(client.delete("/programs"), 405, "method_not_allowed")


def test_a_validation_error_lists_every_bad_field(client, seeded):
    body = quote_body(powers_on="yes", cosmetic="shiny")
    body["colour"] = "blue"
    r = client.post("/quotes", json=body)
    details = assert_error(r, 422, "validation_error")["details"]
    fields = {e["field"]: e["type"] for e in details["errors"]}
    assert fields == {
        "answers.powers_on": "bool_type",
        "answers.cosmetic": "enum",
        "colour": "extra_forbidden",
    }
    assert all(e["message"] for e in details["errors"])
    assert trade_in_total(client) == 0


def test_a_body_that_is_not_json_is_a_422_not_a_crash(client, seeded):
    r = client.post("/quotes", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 422, "validation_error")
    assert trade_in_total(client) == 0


def test_a_missing_required_body_is_named(client, seeded):
    r = client.post("/quotes")
    assert_error(r, 422, "validation_error")
    r = client.post("/quotes", json={"program_id": "acme", "variant_sku": "x"})
    assert_error(r, 422, "validation_error", field="answers")


def test_query_parameters_are_validated_and_named(client, seeded):
    assert_error(
        client.get("/catalog/models", params={"category": "phone"}),
        422,
        "validation_error",
        field="query.category",
    )
    assert_error(
        client.get("/trade-ins", params={"limit": 0}), 422, "validation_error", field="query.limit"
    )
    assert_error(
        client.get("/trade-ins", params={"state": "lost"}),
        422,
        "validation_error",
        field="query.state",
    )
