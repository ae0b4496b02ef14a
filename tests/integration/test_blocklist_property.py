"""A blocklisted device is never paid for, nor a route that resells or reuses it, whatever
the actions tried on it and in whatever order (a person clearing the flag is the only way)."""

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revalue.domain.errors import RevalueError
from revalue.domain.lifecycle import State, allowed_actions
from revalue.domain.program import Pathway
from revalue.domain.records import REUSE_ROUTES
from revalue.identity import blocklist
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import repository, schemas, screening, service
from revalue.tradeins.models import Disposition, Payment
from tests import factories
from tests.integration.test_lifecycle_property import CALLS

STOLEN = "352099001761481"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_blocklisted_device_is_never_paid_nor_resold(sessions, seeded, data):
    now = factories.NOW
    with sessions.begin() as s:
        blocklist.add(
            s, imei=STOLEN, reason="stolen", note="", source="police", ctx=factories.ctx()
        )
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        tid = service.start(s, req, factories.ctx(now))[0].id
        # Identified at quote, or at receiving (below): either way it is screened.
        if data.draw(st.booleans()):
            ids = schemas.IdentifiersIn(imei=STOLEN)
            screening.record_identity(
                s, service.get(s, tid), ids, stage="quote", ctx=factories.ctx()
            )
    receive = CALLS["receive"]
    calls = {
        **CALLS,
        "receive": lambda s, t, c, d: (
            screening.receive(
                s, t, schemas.ReceiveIn(identifiers=schemas.IdentifiersIn(imei=STOLEN)), c
            )
            if d.draw(st.booleans())
            else receive(s, t, c, d)
        ),
    }
    for _ in range(data.draw(st.integers(0, 16))):
        now += timedelta(days=data.draw(st.sampled_from([0, 1, 20])))
        with sessions() as s:
            before = service.get(s, tid)
            pathway = Pathway(before.pathway) if before.pathway else None
            allowed = [str(a) for a in allowed_actions(state=State(before.state), pathway=pathway)]
        # Mostly a forward step (to get as deep as the rules allow), sometimes anything.
        forward = [a for a in allowed if a in calls and a not in ("cancel", "expire", "reject")]
        forward.append("pay")  # paying is a track of its own, tried at every step
        pick_any = not forward or data.draw(st.integers(0, 5)) == 0
        name = data.draw(st.sampled_from(sorted(calls) if pick_any else forward))
        try:
            with sessions.begin() as s:
                calls[name](s, tid, factories.ctx(now), data)
        except RevalueError:
            continue
    with sessions() as s:
        history = [e.to_state for e in repository.events(s, tid)]
        payments = s.scalar(select(func.count()).where(Payment.trade_in_id == tid))
        route = s.scalar(select(Disposition.route).where(Disposition.trade_in_id == tid))
        flagged = screening.blocked(s, tid)
    event(f"flagged={flagged}, ended {history[-1]}")  # --hypothesis-show-statistics
    if flagged:
        assert payments == 0
        assert route is None or route not in {str(r) for r in REUSE_ROUTES}
