"""``revalue custody DEVICE``: the whole chain of a device found by trade-in id, IMEI or
serial, with its moves between sites, and whether the chain verifies."""

from __future__ import annotations

from sqlalchemy import text

from revalue.domain.logistics import SiteKind
from revalue.identity.models import DeviceIdentity
from revalue.logistics import batches, receiving, sites
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import repository
from revalue.tradeins import service as tradeins
from revalue.tradeins.schemas import AcceptIn, IdentifiersIn
from tests import factories
from tests.integration.test_cli import cli_db, invoke  # noqa: F401 - the fixture
from tests.integration.test_custody_tamper import drop_guard

ADDRESS = {"line1": "1 Dock Road", "city": "Leeds", "country": "GB"}
IMEI = "352099001761481"


def store_device_through_a_batch(sessions) -> str:  # type: ignore[no-untyped-def]
    """Through the services, as the demo does: a device handed over in store, received there
    with its IMEI, batched to the hub and scanned in on a shelf."""
    ctx = factories.ctx()
    with sessions.begin() as s:
        factories.seed(s)
        sites.create_site(
            s, site_id="hub", kind=SiteKind.PROCESSING, name="Hub", address=ADDRESS, ctx=ctx
        )
        sites.create_site(
            s, site_id="shop", kind=SiteKind.STORE, name="Shop", address=ADDRESS, ctx=ctx
        )
        shelf = sites.create_location(s, "hub", code="A-01", kind="shelf")
        request = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        trade_in, _ = tradeins.start(s, request, ctx)
        tradeins.accept(s, trade_in.id, AcceptIn(payout_method="cash", pathway="in_store"), ctx)
        found = receiving.Found(identifiers=IdentifiersIn(imei=IMEI))
        receiving.receive(s, "shop", trade_in.id, found, ctx)
        batch = batches.create(s, from_site_id="shop", to_site_id="hub", ctx=ctx)
        batches.add_item(s, batch.id, IMEI, ctx)
        batches.dispatch(s, batch.id, ctx, carrier="van")
        batches.receive_item(s, batch.id, "hub", trade_in.id, ctx, location_id=shelf.id)
        return trade_in.id


def test_custody_prints_the_chain_by_id_or_imei_and_says_it_verifies(cli_db, sessions):  # noqa: F811
    tid = store_device_through_a_batch(sessions)
    by_id = invoke("custody", tid)
    assert by_id.exit_code == 0, by_id.output
    for action in ("quote", "accept", "receive", "identify", "move", "transfer_out", "transfer_in"):
        assert f" {action} " in by_id.text, action
    assert "received → received" in by_id.text and "quoted → accepted" in by_id.text
    assert "to_site=hub" in by_id.text and "to_location=A-01" in by_id.text
    with sessions() as s:
        events = len(repository.events(s, tid))
    assert f"Chain verifies: {events} events" in by_id.text
    by_imei = invoke("custody", "35-209900-176148-1")
    assert by_imei.exit_code == 0 and by_imei.text == by_id.text


def test_custody_of_an_unknown_device_exits_1(cli_db, sessions):  # noqa: F811
    with sessions.begin() as s:
        factories.seed(s)
    result = invoke("custody", "ZZZZZZZZ9")
    assert result.exit_code == 1 and "nothing matches 'ZZZZZZZZ9'" in result.text


def test_custody_names_a_broken_chain_and_exits_1(cli_db, sessions):  # noqa: F811
    tid = store_device_through_a_batch(sessions)
    with sessions.begin() as s:
        assert s.get(DeviceIdentity, tid) is not None
        drop_guard(s)
        s.execute(
            text(
                "UPDATE custody_events SET actor = 'someone else' "
                "WHERE trade_in_id = :t AND seq = 3"
            ),
            {"t": tid},
        )
    result = invoke("custody", tid)
    assert result.exit_code == 1
    assert "Chain BROKEN" in result.text and "(seq 3)" in result.text
