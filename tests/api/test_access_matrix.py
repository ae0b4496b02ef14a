"""The role matrix: every role, partner key, customer link and anonymous caller against every
operation, allowed or refused exactly as ``operations.ACCESS`` says."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revalue.access.models import SecurityEvent
from tests import auth
from tests.api import operations as ops_table
from tests.api.operations import ACCESS, ANYONE, CUSTOMER

GUARD_CODES = {"unauthenticated", "forbidden"}
# Last for each caller: revoking their own link, and signing out, end their credentials.
LAST = [("post", "/trade-ins/{trade_in_id}/links/revoke"), ("post", "/auth/logout")]


def test_every_operation_declares_who_may_call_it_and_is_in_the_matrix(client):
    served = set()
    for op in ops_table.served(client):
        assert op.policy is not None, f"{op.path} declares no access policy"
        served |= {(method.lower(), op.path) for method in op.methods}
    assert served == set(ACCESS)
    # The declaration is also what the API docs tell callers.
    spec = client.get("/openapi.json").json()
    for method, path in ACCESS:
        assert "**Who may call:**" in spec["paths"][path][method]["description"], path


def test_every_caller_gets_exactly_the_operations_the_matrix_gives_it(
    client, anonymous, seeded, sessions
):
    ids, callers = ops_table.world(client, sessions)
    wrong = []
    for caller, token in callers.items():
        # What ends this caller's own credentials goes last: a customer's revoking their links,
        # staff signing out.
        last = LAST if caller != CUSTOMER else LAST[::-1]
        for op in sorted(ACCESS, key=lambda op: last.index(op) if op in last else -1):
            method, url, kw = ops_table.request_for(op, ids)
            headers = {**kw.pop("headers", {}), **(auth.bearer(token) if token else {})}
            r = anonymous.request(method.upper(), url, headers=headers, **kw)
            refused = r.status_code in (401, 403) and r.json()["code"] in GUARD_CODES
            admitted = ANYONE in ACCESS[op] or caller in ACCESS[op]
            if refused == admitted:
                wrong.append(f"{caller} {method} {url}: {r.status_code} {r.text[:120]}")
            if refused:
                want = 401 if caller == ANYONE else 403
                assert r.status_code == want, f"{caller} {op}: {r.status_code}"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caller", ["receiver", CUSTOMER, ANYONE])
def test_a_refused_write_changes_nothing_and_is_recorded(
    client, anonymous, seeded, sessions, caller
):
    ids, callers = ops_table.world(client, sessions)
    before = client.get(f"/trade-ins/{ids.trade_in_id}").json()
    with sessions() as s:
        recorded = s.scalar(select(func.count()).select_from(SecurityEvent))
    token = callers[caller]
    r = anonymous.post(
        f"/trade-ins/{ids.trade_in_id}/pay", headers=auth.bearer(token) if token else {}
    )
    assert r.status_code == (401 if caller == ANYONE else 403), r.text
    assert client.get(f"/trade-ins/{ids.trade_in_id}").json() == before
    with sessions() as s:
        events = s.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
    assert len(events) == recorded + 1
    assert events[-1].path == f"/trade-ins/{ids.trade_in_id}/pay"
    assert events[-1].status_code == r.status_code
    assert token == "" or token not in str(events[-1].__dict__)
