import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from revalue import migrate
from revalue.access import passwords
from revalue.access import service as access
from revalue.access.models import StaffSession, StaffUser
from revalue.certificates.models import Certificate
from revalue.cli.main import app
from revalue.config import get_settings
from revalue.customers.models import CustomerContact
from revalue.domain.access import Role
from revalue.logistics import sla
from revalue.logistics.models import Batch, BatchItem, Receipt, Shipment, TrackingEvent
from revalue.lots.models import BusinessLot, LotLine
from revalue.payouts.models import LedgerTransaction
from revalue.programs.models import Program
from revalue.recovery import reports_summary
from revalue.recovery.models import InventoryItem, SalesLot, WorkOrder
from revalue.tradeins import repository
from revalue.tradeins.models import CustodyEvent, Payment, TradeIn
from tests import auth, factories
from tests.conftest import BACKEND

runner = CliRunner()


@pytest.fixture
def cli_db(database_url, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    monkeypatch.setenv("REVALUE_SECRETS_DIR", str(tmp_path / "secrets"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def invoke(*args):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    result.text = " ".join(result.output.split())  # Rich wraps lines at the terminal width
    return result


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("REVALUE_DATABASE_URL", url)
    get_settings.cache_clear()
    refused = invoke("audit", "verify")
    assert refused.exit_code == 2 and "revalue db upgrade" in refused.text
    result = invoke("db", "upgrade")
    assert result.exit_code == 0 and f"at revision {migrate.head()}" in result.text
    assert invoke("audit", "verify").exit_code == 0
    get_settings.cache_clear()


def test_catalog_import_reports_bad_rows_and_writes_nothing(cli_db, tmp_path, sessions):
    bad = tmp_path / "bad.csv"
    bad.write_text(factories.CATALOG_CSV + "x-y,Acme,X,toaster,2024-01-01,1,,x-y-1,1,,,1,USD\n")
    result = invoke("catalog", "import", str(bad))
    assert result.exit_code == 1
    assert "catalog_import_invalid" in result.text
    assert "line 8, category: 'toaster' is not one of" in result.text
    assert invoke("catalog", "export").output.count("\n") == 1  # the header only
    result = invoke("catalog", "import", str(bad), "--skip-invalid")
    assert result.exit_code == 0 and "5 models created" in result.text
    exported = tmp_path / "out.csv"
    assert invoke("catalog", "export", str(exported)).exit_code == 0
    assert exported.read_text().count("\n") == 7


def test_quote_prints_itemized_offers_and_opens_a_trade_in(cli_db, sessions):
    with sessions.begin() as s:
        factories.seed(s)
    result = invoke(
        "quote",
        "--program",
        "acme",
        "--variant",
        factories.PHONE,
        "--cosmetic",
        "fair",
        "--cracked",
        "--fault",
        "battery",
    )
    assert result.exit_code == 0, result.output
    assert "Cracked screen (-30%)" in result.text and "Fault: battery" in result.text
    with sessions() as s:
        assert repository.count_trade_ins(s) == 1
    unknown = invoke("quote", "--program", "acme", "--variant", "nope")
    assert unknown.exit_code == 1 and "variant_not_found" in unknown.text


def test_demo_walks_every_path_and_the_log_verifies(cli_db, sessions):
    result = invoke("demo", "--count", "150", "--seed", "3")
    assert result.exit_code == 0, result.output
    with sessions() as s:
        states = repository.state_counts(s, "demo")
    assert sum(states.values()) == 150 + 58  # and the business lot's devices received
    # Which trade-ins are still paid-not-yet-disposed on the day varies with the random ids
    # (the second-opinion sample is drawn from them): the end states and payments do not.
    for state in ("disposed", "returned", "cancelled", "expired"):
        assert states.get(state, 0) > 0, state
    with sessions() as s:
        methods = set(s.scalars(select(Payment.method).distinct()))
        kinds = set(s.scalars(select(LedgerTransaction.kind).distinct()))
    assert methods == {"cash", "store_credit", "purchase_discount", "loyalty_points"}
    assert {"accrue", "pay", "redeem"} <= kinds  # paid, and some of it spent at the till
    ledger = invoke("ledger", "check")
    assert ledger.exit_code == 0 and "balanced" in ledger.text, ledger.output
    assert "all verified" in result.text
    with sessions() as s:
        issued = s.scalar(select(func.count()).select_from(Certificate))
    assert issued > 0  # a certificate for every device fully erased
    # A staff account for every role, and how to sign in with it, printed once.
    with sessions() as s:
        accounts = {u.email: [m.role for m in u.memberships] for u in access.list_all(s)}
    assert {roles[0] for roles in accounts.values()} == {str(r) for r in Role}
    password = re.search(r"Password for every demo account: (\S+)", result.text).group(1)
    with sessions() as s:
        admin = s.scalars(select(StaffUser).where(StaffUser.email == "admin@demo.example")).one()
    assert passwords.verify(admin.password_hash, password)
    assert "POST /auth/login" in result.text and "rvk_" in result.text
    again = invoke("demo", "--count", "5", "--if-empty")
    assert "leaves them as they are" in again.text
    with sessions() as s:
        assert repository.count_trade_ins(s) == 150 + 58
    demo_logistics_checks(sessions, result)
    demo_recovery_checks(sessions)


def test_audit_verify_fails_naming_the_altered_event(cli_db, sessions):
    assert invoke("demo", "--count", "20").exit_code == 0
    with sessions.begin() as s:
        if BACKEND == "postgres":
            s.execute(text("ALTER TABLE custody_events DISABLE TRIGGER USER"))
        else:
            s.execute(text("DROP TRIGGER custody_events_no_update"))
        event_id, tid = s.execute(
            text("SELECT id, trade_in_id FROM custody_events WHERE seq = 2 ORDER BY id LIMIT 1")
        ).one()
        s.execute(
            text("UPDATE custody_events SET actor = 'mallory' WHERE id = :id"), {"id": event_id}
        )
    result = invoke("audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN trade-in {tid}: event {event_id} (seq 2)" in result.text
    assert "1 of 78 chains broken" in result.text  # 20 walked and the lot's 58 devices


def test_retention_run_erases_only_what_is_due_and_dry_run_nothing(cli_db, sessions):
    assert invoke("demo", "--count", "60", "--seed", "5").exit_code == 0
    with sessions() as s:
        before = s.scalar(
            select(func.count())
            .select_from(CustomerContact)
            .where(CustomerContact.erased_at.is_(None))
        )
    # The demo's trade-ins closed within the last 120 days: nothing is due at 730 days.
    result = invoke("retention", "run")
    assert result.exit_code == 0 and "0 customers' personal data erased" in result.text
    with sessions.begin() as s:
        s.execute(update(Program).values(retention_days=0))
    dry = invoke("retention", "run", "--dry-run")
    due = int(re.search(r"(\d+) customers' personal data would be erased", dry.text).group(1))
    assert due > 0
    with sessions() as s:
        still = s.scalar(
            select(func.count())
            .select_from(CustomerContact)
            .where(CustomerContact.erased_at.is_(None))
        )
    assert still == before
    result = invoke("retention", "run")
    assert f"{due} customers' personal data erased" in result.text
    assert invoke("audit", "verify").exit_code == 0  # the chains hold the erasure
    assert "Demo Customer" not in result.output  # the command prints counts, never the data


def test_set_password_ends_the_accounts_sessions(cli_db, sessions):
    with sessions.begin() as s:
        factories.seed(s)
        token = auth.staff(s, "pat@acme.example", {"acme": [Role.FINANCE]})
    result = runner.invoke(
        app,
        ["users", "set-password", "pat@acme.example", "--password-stdin"],
        input="a brand new password\n",
    )
    assert result.exit_code == 0, result.output
    with sessions() as s:
        user = access.repository.by_email(s, "pat@acme.example")
        live = s.scalars(select(StaffSession).where(StaffSession.revoked_at.is_(None))).all()
    assert passwords.verify(user.password_hash, "a brand new password")
    assert live == [] and token.startswith("rvs_")


def test_grading_explain_and_calibration_show_the_demo_s_inspections(cli_db, sessions):
    assert invoke("demo", "--count", "80", "--seed", "11").exit_code == 0
    with sessions() as s:
        requoted = s.scalars(
            select(CustodyEvent.trade_in_id).where(CustodyEvent.action == "offer_requote")
        ).first()
        inspectors = set(
            s.scalars(select(CustodyEvent.actor).where(CustodyEvent.action == "inspect"))
        )
    assert requoted is not None  # the demo makes re-quotes
    explained = invoke("grading", "explain", requoted)
    assert explained.exit_code == 0
    assert "(the program's scale)" in explained.text and "ctia v1" in explained.text
    assert " not " in explained.text  # the rule that kept a better grade away
    report = invoke("grading", "calibration", "--program", "demo")
    assert report.exit_code == 0
    assert all(name in report.text for name in inspectors)
    unknown = invoke("grading", "explain", "t_nope")
    assert unknown.exit_code == 1 and "trade_in_not_found" in unknown.text


def demo_logistics_checks(sessions, result):
    """The demo ships, tracks and receives its mail-in devices, moves store devices in
    batches and runs one business lot (run by the demo test above: one demo run)."""
    with sessions() as s:
        parcels = s.scalars(select(Shipment).where(Shipment.direction == "inbound")).all()
        tracked = {e.shipment_id for e in s.scalars(select(TrackingEvent))}
        batch_status = dict(
            s.execute(select(Batch.status, func.count()).group_by(Batch.status)).all()
        )
        items = s.scalars(select(BatchItem)).all()
        statuses = dict(s.execute(select(Batch.id, Batch.status)).all())
        overdue = sla.overdue(s, "demo", datetime.now(UTC))
        lot = s.scalars(select(BusinessLot)).one()
        lot_tids = set(
            s.scalars(select(LotLine.trade_in_id).where(LotLine.trade_in_id.is_not(None)))
        )
        lot_paid = s.scalar(
            select(func.sum(Payment.amount)).where(Payment.trade_in_id.in_(lot_tids))
        )
        receipts = s.scalars(select(Receipt)).all()
        mail_in = s.scalars(
            select(TradeIn).where(TradeIn.pathway == "mail_in", TradeIn.state == "disposed")
        ).all()
        program = s.get(Program, "demo")
    # Every parcel the carrier has picked up has its scans; labels never used have none.
    moving = [p for p in parcels if p.status in ("in_transit", "delivered", "received", "lost")]
    assert moving and all(p.id in tracked for p in moving)
    assert all(p.id not in tracked for p in parcels if p.status == "label_created")
    assert program.receiving_site_id == "processing-center-1"
    assert {p.to_site_id for p in parcels} == {"processing-center-1"}
    # Store devices travel in batches: received ones had every device scanned in (or, once,
    # one left missing); a device is scanned in only at the processing site.
    assert batch_status.get("received", 0) > 0
    assert all(i.scanned_in_by is None or i.scanned_in_by.startswith("receiver-") for i in items)
    missing = [i for i in items if i.scanned_in_at is None and statuses[i.batch_id] == "received"]
    assert len(missing) == 1  # one batch closed a device short: the overdue report lists it
    late = {(b.kind, b.trade_in_id) for b in overdue}
    assert ("batch_not_arrived", missing[0].trade_in_id) in late
    # Mail-in devices finished are received at the site, each with a receipt of its parcel.
    taken_in = ("received", "received_different")  # the device, or another one, was in the box
    by_trade_in = {r.trade_in_id: r for r in receipts if r.outcome in taken_in}
    assert mail_in and all(by_trade_in[t.id].site_id == "processing-center-1" for t in mail_in)
    # The lot: 60 on the manifest, 2 missing, 1 extra, settled once; paid what it settled.
    summary = lot.summary
    assert lot.status == "settled" and lot.business_name == "Demo Fleet Co"
    assert {k: summary["devices"][k] for k in ("quoted", "received", "missing", "extra")} == {
        "quoted": 60,
        "received": 58,
        "missing": 2,
        "extra": 1,
    }
    assert summary["devices"]["settled"] + summary["devices"]["excluded"] == 58
    assert lot_paid == lot.settled_total
    assert "Demo logistics" in result.text and "Business lot DEMO-FLEET-2026-Q3" in result.text
    assert "all verified" in result.text
    assert invoke("audit", "verify").exit_code == 0
    moved = next(i.trade_in_id for i in items if i.scanned_in_at is not None)
    chain = invoke("custody", moved)
    assert chain.exit_code == 0 and "Chain verifies" in chain.text
    for action in ("receive", "transfer_out", "transfer_in"):
        assert f" {action} " in chain.text, action


def demo_recovery_checks(sessions):
    """Every section of the demo program's reports holds figures: the demo plans, repairs,
    lists, sells in lots and alone, and the sales close chains that still verify."""
    with sessions() as s:
        report = reports_summary.summary(s, "demo")
        statuses = {i.status for i in s.scalars(select(InventoryItem))}
        orders = {o.status for o in s.scalars(select(WorkOrder))}
        lots = s.scalar(select(func.count()).select_from(SalesLot).where(SalesLot.status == "sold"))
    (total,) = report.recovery.totals
    assert total.devices > 0 and total.revenue > total.net > 0 and total.paid > 0
    assert total.repair_cost > 0 and total.fees > 0
    assert {"sold", "harvested"} <= statuses and "qc_passed" in orders and lots > 0
    assert sum(m.devices for m in report.disposition_mix) >= total.devices
    assert {m.route for m in report.disposition_mix} >= {"refurbish_resell", "parts"}
    assert report.days_to_sell and all(r.mean_days > 0 for r in report.days_to_sell)
    assert sum(r.inspected for r in report.requotes) > sum(r.requoted for r in report.requotes) > 0
    assert {"received", "inspected", "sanitized"} <= {r.state for r in report.stages}
    assert {o.metric for o in report.objectives} == {
        "devices_per_month", "reuse_share_bp", "average_margin_bp"
    }  # fmt: skip
    assert all(o.actual > 0 for o in report.objectives)
    (version,) = report.environment.versions
    assert version.factor_version == "2026.1" and version.co2e_avoided_g > 0
    assert version.diverted_g > 0
