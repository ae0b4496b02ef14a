from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.lifecycle import (
    TERMINAL,
    TRANSITIONS,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    next_state,
    offer_final,
)
from revalue.domain.program import HANDED_OVER, Pathway


def test_happy_path_by_mail():
    state = State.QUOTED
    for action in (
        Action.ACCEPT,
        Action.AWAIT_SHIPMENT,
        Action.SHIP,
        Action.RECEIVE,
        Action.INSPECT,
        Action.SANITIZE,
        Action.DISPOSE,
    ):
        state = next_state(state=state, action=action, pathway=Pathway.MAIL_IN)
    assert state == State.DISPOSED


def test_in_store_device_is_received_on_acceptance_without_shipping():
    state = next_state(state=State.ACCEPTED, action=Action.RECEIVE, pathway=Pathway.IN_STORE)
    assert state == State.RECEIVED
    with pytest.raises(IllegalTransition, match="in_store pathway"):
        next_state(state=State.ACCEPTED, action=Action.AWAIT_SHIPMENT, pathway=Pathway.IN_STORE)


def test_mail_in_device_cannot_skip_the_shipment():
    with pytest.raises(IllegalTransition) as exc:
        next_state(state=State.ACCEPTED, action=Action.RECEIVE, pathway=Pathway.MAIL_IN)
    assert exc.value.code == "illegal_transition"
    assert exc.value.details["pathway"] == "mail_in"


def test_illegal_transition_names_the_state_the_action_and_what_is_allowed():
    with pytest.raises(IllegalTransition) as exc:
        next_state(state=State.QUOTED, action=Action.SANITIZE, pathway=None)
    assert exc.value.message == "cannot sanitize a trade-in that is quoted"
    assert exc.value.details["allowed"] == ["accept", "cancel", "expire"]


def test_requote_paths():
    s = next_state(state=State.INSPECTED, action=Action.OFFER_REQUOTE, pathway=Pathway.KIOSK)
    assert next_state(state=s, action=Action.ACCEPT_REQUOTE, pathway=None) == State.REQUOTE_ACCEPTED
    declined = next_state(state=s, action=Action.DECLINE_REQUOTE, pathway=None)
    assert next_state(state=declined, action=Action.RETURN, pathway=None) == State.RETURNED


def test_terminal_states_allow_nothing():
    for state in TERMINAL:
        for pathway in Pathway:
            assert allowed_actions(state=state, pathway=pathway) == []


def test_every_state_is_reachable_from_quoted_and_every_live_state_can_end():
    edges: dict[State, set[State]] = {}
    for (src, _), dst in TRANSITIONS.items():
        edges.setdefault(src, set()).add(dst)
    seen, todo = {State.QUOTED}, deque([State.QUOTED])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(State)
    for state in set(State) - TERMINAL:
        assert edges.get(state), f"{state} is a dead end"


@given(
    pathway=st.sampled_from(Pathway),
    actions=st.lists(st.sampled_from(Action), max_size=40),
)
def test_random_action_sequences_never_reach_an_invalid_state(pathway, actions):
    state, history = State.QUOTED, [State.QUOTED]
    for action in actions:
        before = state
        try:
            state = next_state(state=state, action=action, pathway=pathway)
        except IllegalTransition:
            assert state == before  # refused: nothing moved
            assert action not in allowed_actions(state=state, pathway=pathway)
            continue
        assert before not in TERMINAL
        assert TRANSITIONS[(before, action)] == state
        history.append(state)
    assert state in State
    if State.DISPOSED in history and State.SANITIZED in history:
        assert history.index(State.SANITIZED) < history.index(State.DISPOSED)
    if State.SANITIZED in history:
        assert State.INSPECTED in history[: history.index(State.SANITIZED)]
    if State.RECEIVED in history:
        assert State.ACCEPTED in history[: history.index(State.RECEIVED)]
        if pathway in HANDED_OVER:
            assert State.IN_TRANSIT not in history
        else:
            # Scanned on its way (and perhaps lost a while), or arrived unscanned.
            before = history[history.index(State.RECEIVED) - 1]
            assert before in (State.IN_TRANSIT, State.LOST_IN_TRANSIT, State.AWAITING_SHIPMENT)
    terminal = [s for s in history if s in TERMINAL]
    assert len(terminal) <= 1 and (not terminal or history[-1] == terminal[0])


@pytest.mark.parametrize("state", list(State))
def test_the_offer_is_final_only_once_inspected_as_quoted_or_a_requote_accepted(state):
    final = offer_final(state, second_opinion_required=False, rejected=False)
    after_inspection = {
        State.LOST_IN_TRANSIT,  # the carrier's loss: paid as quoted
        State.INSPECTED,
        State.REQUOTE_ACCEPTED,
        State.SANITIZATION_FAILED,
        State.SANITIZED,
        State.DISPOSED,
    }
    assert final == (state in after_inspection)
    # Held for a second opinion, or rejected: never final.
    assert not offer_final(state, second_opinion_required=True, rejected=False)
    assert not offer_final(state, second_opinion_required=False, rejected=True)
