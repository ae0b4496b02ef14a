"""The calibration report, on a constructed case whose kappa is known."""

from __future__ import annotations

from fractions import Fraction

from tests import auth
from tests.api.support import AS_DECLARED, DEEP_SCRATCHED, PRISTINE, ok, received

# Ten devices, graded by the admin first and by a second inspector: A0/A0 four times, A0/B0
# once, B0/A0 twice, B0/B0 three times. Agreement 0.7; chance 0.5 x 0.6 + 0.5 x 0.4 = 0.5;
# kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
CASE = [("A", "A")] * 4 + [("A", "B")] + [("B", "A")] * 2 + [("B", "B")] * 3
RECORDS = {"A": PRISTINE, "B": AS_DECLARED}


def test_the_report_gives_the_kappa_of_a_constructed_case(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        second = auth.staff(s, "second@acme.example", {"acme": ["inspector"]})
        auditor = auth.staff(s, "audit@acme.example", {"acme": ["auditor"]})
    for first, other in CASE:
        tid = received(client)
        ok(client, tid, "inspect", {"record": RECORDS[first]})
        r = anonymous.post(
            f"/trade-ins/{tid}/second-opinion",
            json={"record": RECORDS[other]},
            headers=auth.bearer(second),
        )
        assert r.status_code == 200, r.text
    # One more inspection by the admin that ends in a re-quote, for the rate and adjustment.
    tid = received(client)
    requote = ok(client, tid, "inspect", {"record": DEEP_SCRATCHED})
    report = anonymous.get("/grading/calibration", headers=auth.bearer(auditor))
    assert report.status_code == 200, report.text
    rows = {row["inspector"]: row for row in report.json()}
    admin = rows["staff:admin@test.example"]
    assert (admin["inspections"], admin["second_opinions"]) == (11, 10)
    assert admin["agreement"] == 0.7
    assert admin["kappa"] == round(float(Fraction(2, 5)), 3)
    assert admin["requote_rate"] == round(1 / 11, 3)
    quoted = requote["quote"]["offers"][0]["amount"]["amount"]
    found = requote["requote"]["offers"][0]["amount"]["amount"]
    raised = [c["data"]["difference"] for c in _raises(client)]
    assert admin["average_adjustment"] == round((found - quoted + sum(raised)) / 11)
    # The second inspector's own inspections: none as a first inspector.
    assert "staff:second@acme.example" not in rows


def _raises(client) -> list[dict]:  # type: ignore[no-untyped-def]
    items = client.get("/trade-ins", params={"limit": 50}).json()["items"]
    events = [e for t in items for e in client.get(f"/trade-ins/{t['id']}").json()["custody"]]
    return [e for e in events if e["action"] == "raise_offer"]


def test_another_programs_auditor_sees_no_one(client, anonymous, seeded, sessions):
    from tests import factories

    with sessions.begin() as s:
        factories.add_program(s, "rival")
        auditor = auth.staff(s, "audit@rival.example", {"rival": ["auditor"]})
    ok(client, received(client), "inspect", {"record": AS_DECLARED})
    mine = anonymous.get("/grading/calibration", headers=auth.bearer(auditor)).json()
    assert mine == []
    assert len(client.get("/grading/calibration").json()) == 1
    assert (
        anonymous.get(
            "/grading/calibration", params={"program_id": "acme"}, headers=auth.bearer(auditor)
        ).json()
        == []
    )
