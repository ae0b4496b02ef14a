"""The trade-in lifecycle: explicit states, the actions between them, and nothing else.

``next_state`` is the only way a state changes; an action that the table does not allow from
the current state (or for the trade-in's pathway) raises :class:`IllegalTransition`.

The states are the device's. Paying the customer is a track of its own (``revalue.payouts``),
open from the moment the offer is final (``offer_final``): customers are not kept waiting for
the erasure or the resale of their device.
"""

from __future__ import annotations

from enum import StrEnum

from revalue.domain.errors import Conflict
from revalue.domain.program import HANDED_OVER, Pathway


class State(StrEnum):
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    AWAITING_SHIPMENT = "awaiting_shipment"
    IN_TRANSIT = "in_transit"
    LOST_IN_TRANSIT = "lost_in_transit"  # the carrier lost it: the customer is paid as quoted
    RECEIVED = "received"
    INSPECTED = "inspected"
    REQUOTE_OFFERED = "requote_offered"
    REQUOTE_ACCEPTED = "requote_accepted"
    REQUOTE_DECLINED = "requote_declined"
    SANITIZATION_FAILED = "sanitization_failed"  # not fully erased: erase again, or destroy
    SANITIZED = "sanitized"
    DISPOSED = "disposed"
    RETURNED = "returned"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    ACCEPT = "accept"
    AWAIT_SHIPMENT = "await_shipment"  # a label or kit is issued for a mail-in or business lot
    SHIP = "ship"  # the carrier has the device
    # Overdue in transit past the program's days, or the carrier says so.
    DECLARE_LOST = "declare_lost"
    REPRICE = "reprice"  # not shipped in the program's days: priced again at today's book
    RECEIVE = "receive"
    INSPECT = "inspect"
    OFFER_REQUOTE = "offer_requote"
    RAISE_OFFER = "raise_offer"  # found better than declared: the offer goes up by itself
    SECOND_OPINION = "second_opinion"  # another inspector grades the device again
    REQUOTE_LAPSED_RETURN = "requote_lapsed_return"  # unanswered: sent back, as declined
    REQUOTE_LAPSED_ACCEPT = "requote_lapsed_accept"  # unanswered: accepted, where terms say so
    ACCEPT_REQUOTE = "accept_requote"
    DECLINE_REQUOTE = "decline_requote"
    SANITIZE = "sanitize"
    SANITIZE_FAILED = "sanitize_failed"  # a record that did not fully erase every medium
    VERIFICATION_FAILED = "verification_failed"  # an independent check found data left
    DISPOSE = "dispose"
    RETURN = "return"
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"


S, A = State, Action
TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.QUOTED, A.ACCEPT): S.ACCEPTED,
    (S.QUOTED, A.CANCEL): S.CANCELLED,
    (S.QUOTED, A.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, A.AWAIT_SHIPMENT): S.AWAITING_SHIPMENT,
    (S.ACCEPTED, A.RECEIVE): S.RECEIVED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    # Not sent within the program's days to ship (no label asked for either): expired, or
    # priced again at today's price book, as the program says.
    (S.ACCEPTED, A.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, A.REPRICE): S.ACCEPTED,
    (S.AWAITING_SHIPMENT, A.SHIP): S.IN_TRANSIT,
    (S.AWAITING_SHIPMENT, A.CANCEL): S.CANCELLED,
    (S.AWAITING_SHIPMENT, A.EXPIRE): S.EXPIRED,  # never sent before the price lock ended
    (S.AWAITING_SHIPMENT, A.REPRICE): S.AWAITING_SHIPMENT,
    # The parcel arrived though the carrier never scanned it on its way.
    (S.AWAITING_SHIPMENT, A.RECEIVE): S.RECEIVED,
    (S.IN_TRANSIT, A.RECEIVE): S.RECEIVED,
    (S.IN_TRANSIT, A.DECLARE_LOST): S.LOST_IN_TRANSIT,
    # Found after all: processed as usual, though the quote stands for a customer paid already.
    (S.LOST_IN_TRANSIT, A.RECEIVE): S.RECEIVED,
    (S.RECEIVED, A.INSPECT): S.INSPECTED,
    (S.RECEIVED, A.REJECT): S.REJECTED,
    (S.INSPECTED, A.OFFER_REQUOTE): S.REQUOTE_OFFERED,
    (S.INSPECTED, A.RAISE_OFFER): S.INSPECTED,
    (S.INSPECTED, A.SECOND_OPINION): S.INSPECTED,
    (S.INSPECTED, A.SANITIZE): S.SANITIZED,
    (S.INSPECTED, A.REJECT): S.REJECTED,
    (S.REQUOTE_OFFERED, A.ACCEPT_REQUOTE): S.REQUOTE_ACCEPTED,
    (S.REQUOTE_OFFERED, A.DECLINE_REQUOTE): S.REQUOTE_DECLINED,
    (S.REQUOTE_OFFERED, A.REQUOTE_LAPSED_RETURN): S.REQUOTE_DECLINED,
    (S.REQUOTE_OFFERED, A.REQUOTE_LAPSED_ACCEPT): S.REQUOTE_ACCEPTED,
    # A sampled second opinion may come while the customer weighs the re-quote, or after.
    (S.REQUOTE_OFFERED, A.SECOND_OPINION): S.REQUOTE_OFFERED,
    (S.REQUOTE_ACCEPTED, A.SECOND_OPINION): S.REQUOTE_ACCEPTED,
    (S.SANITIZED, A.SECOND_OPINION): S.SANITIZED,
    (S.REQUOTE_ACCEPTED, A.SANITIZE): S.SANITIZED,
    (S.INSPECTED, A.SANITIZE_FAILED): S.SANITIZATION_FAILED,
    (S.REQUOTE_ACCEPTED, A.SANITIZE_FAILED): S.SANITIZATION_FAILED,
    # A failed or partial erasure goes back to sanitization: erased again, or the storage
    # destroyed (a Destroy record), until a record passes.
    (S.SANITIZATION_FAILED, A.SANITIZE): S.SANITIZED,
    (S.SANITIZATION_FAILED, A.SANITIZE_FAILED): S.SANITIZATION_FAILED,
    (S.SANITIZATION_FAILED, A.SECOND_OPINION): S.SANITIZATION_FAILED,
    (S.SANITIZED, A.VERIFICATION_FAILED): S.SANITIZATION_FAILED,
    (S.REQUOTE_DECLINED, A.RETURN): S.RETURNED,
    (S.SANITIZED, A.DISPOSE): S.DISPOSED,
    (S.REJECTED, A.RETURN): S.RETURNED,
    (S.REJECTED, A.DISPOSE): S.DISPOSED,  # recycled, with the customer's consent
}
del S, A

# Once here, the offer will not change again: the customer may be paid.
_OFFER_FINAL = frozenset(
    {
        State.LOST_IN_TRANSIT,  # never charged for the carrier's loss: paid as quoted
        State.INSPECTED,
        State.REQUOTE_ACCEPTED,
        State.SANITIZATION_FAILED,
        State.SANITIZED,
        State.DISPOSED,
    }
)


def offer_final(state: State, *, second_opinion_required: bool, rejected: bool) -> bool:
    """Whether the accepted offer is final: inspected as quoted (and not held for a second
    opinion), a re-quote accepted, or the parcel lost by the carrier; and the device not
    rejected (then nothing is owed)."""
    return state in _OFFER_FINAL and not second_opinion_required and not rejected


TERMINAL = frozenset({State.DISPOSED, State.RETURNED, State.CANCELLED, State.EXPIRED})

# Actions the system takes as part of another one (an inspection that finds the device worse
# offers the re-quote, the sweep lapses an unanswered one): nobody calls them directly, so they
# are not offered as next steps.
INTERNAL = frozenset(
    {
        Action.OFFER_REQUOTE,
        Action.RAISE_OFFER,
        Action.REQUOTE_LAPSED_RETURN,
        Action.REQUOTE_LAPSED_ACCEPT,
        Action.SANITIZE_FAILED,
        Action.VERIFICATION_FAILED,
        Action.DECLARE_LOST,
        Action.REPRICE,
    }
)

# Actions that depend on how the device travels: in-person pathways skip the shipment.
_SHIPPED_ONLY = {
    (State.ACCEPTED, Action.AWAIT_SHIPMENT),
    (State.ACCEPTED, Action.EXPIRE),
    (State.ACCEPTED, Action.REPRICE),
    (State.AWAITING_SHIPMENT, Action.RECEIVE),
}
_HANDED_OVER_ONLY = {(State.ACCEPTED, Action.RECEIVE)}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def next_state(*, state: State, action: Action, pathway: Pathway | None) -> State:
    """The state after ``action``, or :class:`IllegalTransition` naming why not."""
    target = _target(state, action, pathway)
    if target is None:
        where = f" on the {pathway} pathway" if (state, action) in TRANSITIONS else ""
        raise IllegalTransition(
            f"cannot {action} a trade-in that is {state}{where}",
            state=str(state),
            action=str(action),
            pathway=str(pathway) if pathway else None,
            allowed=[str(a) for a in allowed_actions(state=state, pathway=pathway)],
        )
    return target


def _target(state: State, action: Action, pathway: Pathway | None) -> State | None:
    target = TRANSITIONS.get((state, action))
    key = (state, action)
    in_person = pathway in HANDED_OVER
    if (key in _SHIPPED_ONLY and in_person) or (key in _HANDED_OVER_ONLY and not in_person):
        return None
    return target


def allowed_actions(*, state: State, pathway: Pathway | None) -> list[Action]:
    """What may be done next, in a stable order, leaving out the system's internal actions."""
    return sorted(
        a
        for (s, a) in TRANSITIONS
        if s == state and a not in INTERNAL and _target(state, a, pathway) is not None
    )
