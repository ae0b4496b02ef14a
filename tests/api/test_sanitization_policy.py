"""The erasure policy through the API: records per storage medium, a failed or partial erasure
sent back to sanitization or to destruction, independent verification of a sample, and the
block on anything reaching another person without a passing record."""

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.tradeins.models import Sanitization, SanitizationMedium
from tests import auth, factories
from tests.api.support import (
    NOT_ERASED,
    SANITIZED,
    act,
    assert_error,
    ok,
    read,
    received,
    sanitized,
    snapshot,
)

DESTROYED = {"level": "destroy", "technique": "physical_destruction", "result": "erased"}
REUSE = ["refurbish_resell", "marketplace", "wholesale"]
LAPTOP_ERASURE = {
    "media": [
        {
            "kind": "ssd",
            "identifier": "S4EVNX0N123456",
            "capacity_bytes": 512_000_000_000,
            "level": "purge",
            "technique": "cryptographic_erase",
            "result": "erased",
        },
        {
            "kind": "removable_card",
            "identifier": "SD-0042",
            "level": "clear",
            "technique": "overwrite",
            "result": "not_erased",
        },
    ],
    "tool": "Revalue Wipe",
    "tool_version": "4.2.1",
    "started_at": "2026-06-15T11:40:00+01:00",
    "completed_at": "2026-06-15T11:55:00Z",
    "verification_method": "full read-back",
    "destination": "refurbishment",
}


def inspected(client) -> str:
    tid = received(client)
    ok(client, tid, "inspect", {"condition": factories.answers()})
    return tid


def rows(sessions, tid: str) -> tuple[int, int]:
    with sessions() as s:
        records = select(Sanitization.id).where(Sanitization.trade_in_id == tid)
        media = select(func.count()).where(SanitizationMedium.sanitization_id.in_(records))
        return s.scalar(select(func.count()).select_from(records.subquery())), s.scalar(media)


@pytest.mark.parametrize("result", ["not_erased", "erased_with_exceptions"])
def test_a_failed_or_partial_erasure_sends_the_device_back_and_holds_everything(
    client, seeded, result
):
    tid = inspected(client)
    t = ok(client, tid, "sanitize", {**NOT_ERASED, "result": result})
    assert t["state"] == "sanitization_failed"
    assert t["allowed_actions"] == ["sanitize", "second_opinion"]
    before = snapshot(client, tid)
    r = act(client, tid, "dispose", {"route": "recycle"})
    assert_error(r, 409, "illegal_transition")
    assert client.post(f"/trade-ins/{tid}/certificate").status_code == 409
    assert snapshot(client, tid) == before
    # The customer is not kept waiting for the erasure: the offer is final.
    assert ok(client, tid, "pay")["payment"]["status"] == "paid"
    # Erased again, it goes on as any device would.
    assert ok(client, tid, "sanitize", SANITIZED)["state"] == "sanitized"
    assert ok(client, tid, "dispose", {"route": "marketplace"})["disposition"] == "marketplace"
    actions = [e["action"] for e in read(client, tid)["custody"]]
    assert actions[-4:] == ["sanitize_failed", "pay", "sanitize", "dispose"]


@pytest.mark.parametrize("route", REUSE)
def test_destroyed_storage_never_reaches_reuse_but_parts_and_recycling_remain(
    client, seeded, route
):
    tid = inspected(client)
    ok(client, tid, "sanitize", NOT_ERASED)
    assert ok(client, tid, "sanitize", DESTROYED)["state"] == "sanitized"
    ok(client, tid, "pay")
    before = snapshot(client, tid)
    body = assert_error(act(client, tid, "dispose", {"route": route}), 409, "sanitization_required")
    assert "destroyed" in body["message"]
    assert snapshot(client, tid) == before
    assert ok(client, tid, "dispose", {"route": "parts"})["disposition"] == "parts"


def test_each_storage_medium_is_recorded_and_the_worst_decides(client, seeded, sessions):
    tid = inspected(client)
    t = ok(client, tid, "sanitize", LAPTOP_ERASURE)
    assert t["state"] == "sanitization_failed"  # the SD card was not erased
    [record] = client.get(f"/trade-ins/{tid}/sanitizations").json()
    assert (record["level"], record["technique"], record["result"]) == (
        "clear",
        "mixed",
        "not_erased",
    )
    assert [(m["kind"], m["identifier"], m["result"]) for m in record["media"]] == [
        ("ssd", "S4EVNX0N123456", "erased"),
        ("removable_card", "SD-0042", "not_erased"),
    ]
    assert record["media"][0]["capacity_bytes"] == 512_000_000_000
    assert (record["tool"], record["tool_version"]) == ("Revalue Wipe", "4.2.1")
    assert record["started_at"] == "2026-06-15T10:40:00Z"  # given at +01:00, kept in UTC
    assert record["completed_at"] == "2026-06-15T11:55:00Z"
    assert (record["verification_method"], record["destination"]) == (
        "full read-back",
        "refurbishment",
    )
    assert rows(sessions, tid) == (1, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SANITIZED, "technique": "physical_destruction"}, ""),
        ({**SANITIZED, "level": "destroy"}, ""),
        ({"level": "purge", "technique": "factory_reset_verified", "result": "erased"}, ""),
        ({**SANITIZED, "media": LAPTOP_ERASURE["media"]}, "level"),
        ({"media": []}, "media"),
        ({"media": [{"kind": "tape", **SANITIZED}]}, "media.0.kind"),
        (
            {
                **SANITIZED,
                "started_at": "2026-06-15T12:00:00Z",
                "completed_at": "2026-06-15T11:00:00Z",
            },
            "",
        ),
        ({**SANITIZED, "completed_at": "2026-06-15 11:00"}, "completed_at"),
        ({**SANITIZED, "tool": "t" * 121}, "tool"),
    ],
)
def test_a_malformed_erasure_is_refused_naming_the_problem_and_records_nothing(
    client, seeded, sessions, body, field
):
    tid = inspected(client)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "sanitize", body), 422, "validation_error", field=field)
    assert snapshot(client, tid) == before
    assert rows(sessions, tid) == (0, 0)


def test_an_erasure_in_the_future_is_refused(client, seeded, sessions):
    tid = inspected(client)
    r = act(client, tid, "sanitize", {**SANITIZED, "completed_at": "2099-01-01T00:00:00Z"})
    assert_error(r, 422, "invalid_input", field="completed_at")
    assert rows(sessions, tid) == (0, 0)


@pytest.fixture
def always_verified(client, seeded):
    """Every passing record is sampled for independent verification."""
    r = client.patch("/programs/acme", json={"erasure_verification_bp": 10_000})
    assert r.status_code == 200, r.text


@pytest.fixture
def technician(sessions) -> dict[str, str]:
    with sessions.begin() as s:
        token = auth.staff(s, "tech@test.example", {"acme": [Role.TECHNICIAN]})
    return auth.bearer(token)


def test_a_sampled_erasure_waits_for_someone_else_to_verify_it(client, always_verified, technician):
    tid = sanitized(client)
    assert read(client, tid)["sanitization"]["verification"] == "required"
    queue = client.get("/sanitizations/awaiting-verification").json()
    assert [r["trade_in_id"] for r in queue] == [tid]
    before = snapshot(client, tid)
    r = act(client, tid, "dispose", {"route": "marketplace"})
    assert "independent verification" in assert_error(r, 409, "sanitization_required")["message"]
    assert_error(client.post(f"/trade-ins/{tid}/certificate"), 409, "sanitization_not_passing")
    # The operator (the admin client) may not verify their own record.
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify", json={"passed": True, "method": "x" * 3}
    )
    assert_error(r, 409, "verifier_is_operator")
    assert snapshot(client, tid) == before

    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": True, "method": "sampled sector read-back", "note": "clean"},
        headers=technician,
    )
    assert r.status_code == 200, r.text
    record = r.json()
    assert (record["verification"], record["verifier"]) == ("passed", "staff:tech@test.example")
    assert record["verifier_method"] == "sampled sector read-back"
    assert client.get("/sanitizations/awaiting-verification").json() == []
    cert = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]
    assert cert["verified_by"]["verifier"] == "staff:tech@test.example"
    assert read(client, tid)["custody"][-2]["action"] == "verify_erasure"
    assert ok(client, tid, "dispose", {"route": "marketplace"})["state"] == "disposed"
    # Verified once: a second verification is refused.
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": False, "method": "again"},
        headers=technician,
    )
    assert_error(r, 409, "verification_not_open")


def test_a_failed_verification_sends_the_device_back_to_sanitization(
    client, always_verified, technician
):
    tid = sanitized(client)
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": False, "method": "forensic recovery found photos"},
        headers=technician,
    )
    assert r.status_code == 200, r.text
    t = read(client, tid)
    assert t["state"] == "sanitization_failed"
    assert t["custody"][-1]["action"] == "verification_failed"
    r = act(client, tid, "dispose", {"route": "recycle"})
    assert_error(r, 409, "illegal_transition")
    # Erased again by the technician; this record is sampled too and verified by the admin.
    r = client.post(f"/trade-ins/{tid}/sanitize", json=DESTROYED, headers=technician)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify", json={"passed": True, "method": "inspected"}
    )
    assert r.status_code == 200, r.text
    assert_error(act(client, tid, "dispose", {"route": "wholesale"}), 409, "sanitization_required")
    records = client.get(f"/trade-ins/{tid}/sanitizations").json()
    assert [(r["level"], r["verification"]) for r in records] == [
        ("purge", "failed"),
        ("destroy", "passed"),
    ]


def test_an_unsampled_record_may_still_be_verified_and_the_queue_shows_only_the_sampled(
    client, seeded, technician
):
    tid = sanitized(client)
    assert client.get("/sanitizations/awaiting-verification").json() == []
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": True, "method": "spot check"},
        headers=technician,
    )
    assert r.json()["verification"] == "passed"


def test_verification_of_a_device_not_sanitized_is_refused(client, seeded, technician):
    tid = inspected(client)
    before = snapshot(client, tid)
    r = client.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": True, "method": "spot check"},
        headers=technician,
    )
    assert_error(r, 409, "verification_not_open")
    assert snapshot(client, tid) == before
