"""Random action sequences through the real services and database: a refused action changes
nothing, an allowed one moves exactly as the state machine says, and the chain always holds."""

from datetime import timedelta

from cryptography.fernet import Fernet
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revalue.domain.errors import RevalueError
from revalue.domain.lifecycle import TRANSITIONS, Action, State, allowed_actions
from revalue.domain.program import Pathway
from revalue.payouts import service as payouts
from revalue.payouts.schemas import PayIn
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import (
    custody,
    inspection,
    processing,
    repository,
    sanitization,
    schemas,
    service,
)
from revalue.tradeins.models import Payment
from tests import factories

BOX = Fernet(Fernet.generate_key())  # encrypts store-credit and coupon codes

CALLS = {
    "accept": lambda s, t, c, d: service.accept(
        s,
        t,
        schemas.AcceptIn(
            payout_method=d.draw(st.sampled_from(["cash", "store_credit"])),
            pathway=d.draw(st.sampled_from(["in_store", "mail_in"])),
        ),
        c,
    ),
    "await_shipment": lambda s, t, c, d: service.await_shipment(s, t, schemas.ShipmentIn(), c),
    "ship": lambda s, t, c, d: service.ship(s, t, schemas.ShipmentIn(), c),
    "receive": lambda s, t, c, d: service.receive(s, t, schemas.NoteIn(), c),
    "inspect": lambda s, t, c, d: inspection.inspect(
        s,
        t,
        schemas.InspectIn(
            condition=factories.condition(cosmetic=d.draw(st.sampled_from(["good", "poor"])))
        ),
        c,
    ),
    # A second opinion comes from another inspector than the first.
    "second_opinion": lambda s, t, c, d: inspection.second_opinion(
        s,
        t,
        schemas.InspectIn(condition=factories.condition(cosmetic="fair")),
        factories.ctx(c.now, actor="second-inspector"),
    ),
    "accept_requote": lambda s, t, c, d: service.accept_requote(s, t, schemas.NoteIn(), c),
    "decline_requote": lambda s, t, c, d: service.decline_requote(s, t, schemas.NoteIn(), c),
    "reject": lambda s, t, c, d: processing.reject(s, t, schemas.RejectIn(reason="other"), c),
    "return": lambda s, t, c, d: service.return_device(s, t, schemas.ShipmentIn(), c),
    "sanitize": lambda s, t, c, d: sanitization.sanitize(
        s,
        t,
        schemas.SanitizeIn(
            level="purge",
            technique="cryptographic_erase",
            result=d.draw(st.sampled_from(["erased", "not_erased"])),
        ),
        c,
    ),
    "pay": lambda s, t, c, d: payouts.pay(s, t, PayIn(), c, box=BOX),
    "dispose": lambda s, t, c, d: processing.dispose(
        s, t, schemas.DisposeIn(route=d.draw(st.sampled_from(["refurbish_resell", "recycle"]))), c
    ),
    "cancel": lambda s, t, c, d: service.cancel(s, t, schemas.NoteIn(), c),
    "expire": lambda s, t, c, d: service.expire(s, t, c),
}


RECORDED_AS = {"sanitize": ("sanitize", "sanitize_failed")}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_action_sequences_through_the_services(sessions, seeded, data):
    now = factories.NOW
    with sessions.begin() as s:
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        tid = service.start(s, req, factories.ctx(now))[0].id
    for _ in range(data.draw(st.integers(0, 14))):
        now += timedelta(days=data.draw(st.sampled_from([0, 1, 20])))
        with sessions() as s:
            before = service.get(s, tid)
            state, events = State(before.state), before.last_seq
            pathway = Pathway(before.pathway) if before.pathway else None
        # Mostly a forward step the state allows (to get deep into the lifecycle), else any.
        allowed = [
            str(a)
            for a in allowed_actions(state=state, pathway=pathway)
            if a not in (Action.CANCEL, Action.EXPIRE, Action.REJECT)
        ] + ["pay"]  # paying is a track of its own: tried at every step
        name = data.draw(
            st.sampled_from(allowed if allowed and data.draw(st.integers(0, 3)) else sorted(CALLS))
        )
        try:
            with sessions.begin() as s:
                CALLS[name](s, tid, factories.ctx(now), data)
        except RevalueError:
            with sessions() as s:
                after = service.get(s, tid)
                assert (after.state, after.last_seq) == (state, events)
            continue
        with sessions() as s:
            after = service.get(s, tid)
            # The action's event, and what the system did as part of it (an inspection or a
            # second opinion may offer a re-quote or raise the offer at once): each step a
            # transition of the table, ending in the state the trade-in is now in.
            new = repository.events(s, tid)[events:]
            if name == "pay":  # a note on the chain; the device does not move
                assert [(e.action, e.to_state) for e in new] == [("pay", state)]
                assert after.state == state
                continue
            # An erasure that did not erase everything is recorded as sanitize_failed.
            assert new and new[0].action in RECORDED_AS.get(name, (name,))
            assert all(e.action in ("offer_requote", "raise_offer") for e in new[1:])
            walked = state
            for e in new:
                walked = TRANSITIONS[(walked, Action(e.action))]
            assert walked == State(after.state)
            assert after.last_seq == events + len(new)
            assert custody.verify_one(s, after) is None
            paid = s.scalar(
                select(func.count()).where(Payment.trade_in_id == tid).select_from(Payment)
            )
            assert paid == (1 if "pay" in [e.action for e in repository.events(s, tid)] else 0)
    with sessions() as s:
        event(f"ended {service.get(s, tid).state}")  # shown by --hypothesis-show-statistics
