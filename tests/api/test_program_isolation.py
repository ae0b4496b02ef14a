"""Programs are tenants: whoever belongs to one program finds nothing of another. Every read
and write of another program's data answers 404, exactly as for data that does not exist."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api import operations as ops_table
from tests.api.operations import ACCESS, ANYONE, CUSTOMER, SCOPED
from tests.api.support import PROGRAM, assert_error, post_quote

RIVAL = "rival"


@pytest.fixture
def two_programs(client, seeded, sessions):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        factories.add_program(s, RIVAL)
    acme, _ = ops_table.world(client, sessions, PROGRAM)
    _, rivals = ops_table.world(client, sessions, RIVAL)
    return acme, rivals


def _state_of_acme(client, acme) -> dict:  # type: ignore[no-untyped-def]
    """Everything of acme a cross-program write could have touched."""
    return {
        "trade_in": client.get(f"/trade-ins/{acme.trade_in_id}").json(),
        "program": client.get(f"/programs/{PROGRAM}").json(),
        "keys": [k for k in client.get("/api-keys").json() if PROGRAM in k["program_ids"]],
        "hooks": client.get(f"/programs/{PROGRAM}/webhooks").json(),
        "deliveries": client.get(f"/programs/{PROGRAM}/webhooks/deliveries").json(),
    }


def test_every_scoped_operation_on_another_programs_data_is_a_404(client, anonymous, two_programs):
    acme, rivals = two_programs
    before = _state_of_acme(client, acme)
    wrong = []
    for caller, token in rivals.items():
        if caller in ("admin", ANYONE):
            continue  # an admin runs the installation; anonymous callers hold no program
        for op in sorted(SCOPED, key=lambda op: op[1].endswith("/logout")):
            if caller == CUSTOMER and ANYONE in ACCESS[op]:
                continue  # anyone may ask any program for a quote; a customer is anyone
            method, url, kw = ops_table.request_for(op, acme)
            headers = {**kw.pop("headers", {}), "Authorization": f"Bearer {token}"}
            r = anonymous.request(method.upper(), url, headers=headers, **kw)
            admitted = ANYONE in ACCESS[op] or caller in ACCESS[op]
            # A caller the operation does not admit is refused before any lookup (403 says
            # nothing about the data); one it admits must not learn the data exists.
            want = 404 if admitted else 403
            if r.status_code != want:
                wrong.append(f"{caller} {method} {url}: {r.status_code} {r.text[:100]}")
    assert not wrong, "\n".join(wrong)
    assert _state_of_acme(client, acme) == before


def test_the_404_for_another_programs_trade_in_is_the_404_for_a_missing_one(
    anonymous, two_programs
):
    acme, rivals = two_programs
    headers = {"Authorization": f"Bearer {rivals['inspector']}"}
    hidden = anonymous.get(f"/trade-ins/{acme.trade_in_id}", headers=headers)
    missing = anonymous.get("/trade-ins/t_0000000000000000000000", headers=headers)
    a = assert_error(hidden, 404, "trade_in_not_found")
    b = assert_error(missing, 404, "trade_in_not_found")
    assert a["message"].replace(acme.trade_in_id, "ID") == b["message"].replace(
        "t_0000000000000000000000", "ID"
    )


def test_a_customer_reaches_their_own_trade_in_only(client, anonymous, seeded):
    mine, theirs = post_quote(client), post_quote(client)
    headers = {"Authorization": f"Bearer {mine['customer_token']}"}
    assert anonymous.get(f"/trade-ins/{mine['trade_in_id']}", headers=headers).status_code == 200
    assert_error(
        anonymous.get(f"/trade-ins/{theirs['trade_in_id']}", headers=headers),
        404,
        "trade_in_not_found",
    )
    r = anonymous.post(
        f"/trade-ins/{theirs['trade_in_id']}/cancel", headers=headers, json={"note": "x"}
    )
    assert_error(r, 404, "trade_in_not_found")
    assert client.get(f"/trade-ins/{theirs['trade_in_id']}").json()["state"] == "quoted"
    assert_error(
        anonymous.get(f"/quotes/{theirs['quote']['id']}", headers=headers), 404, "quote_not_found"
    )


@pytest.mark.parametrize(
    ("path", "items"),
    [
        ("/programs", lambda body: [p["id"] for p in body]),
        ("/trade-ins", lambda body: [t["program_id"] for t in body["items"]]),
        ("/api-keys", lambda body: [p for k in body for p in k["program_ids"]]),
    ],
)
def test_lists_show_only_the_callers_programs(client, anonymous, two_programs, path, items):
    _, rivals = two_programs
    everything = items(client.get(path).json())
    assert PROGRAM in everything and RIVAL in everything  # the admin sees both
    for caller in ("program_manager", "auditor", "partner"):
        r = anonymous.get(path, headers={"Authorization": f"Bearer {rivals[caller]}"})
        if r.status_code == 403:
            assert caller not in ACCESS[("get", path)]
            continue
        assert r.status_code == 200, r.text
        assert set(items(r.json())) == {RIVAL}, (caller, path)


def test_the_custody_audit_covers_only_the_callers_programs(client, anonymous, two_programs):
    _, rivals = two_programs
    everything = client.get("/audit/verify").json()
    mine = anonymous.get(
        "/audit/verify", headers={"Authorization": f"Bearer {rivals['auditor']}"}
    ).json()
    assert everything["chains"] == 2 and mine["chains"] == 1
    assert CUSTOMER not in ACCESS[("get", "/audit/verify")]
