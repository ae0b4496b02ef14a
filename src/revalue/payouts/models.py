"""The ledger and the instruments payouts create.

A ledger transaction is a set of entries that sum to zero per currency (debits positive,
credits negative); balances are never stored, always summed from entries. A transaction is
never edited: a reversal is a new transaction pointing at the one it reverses, and the unique
``reverses`` column lets each be reversed once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, UTCDateTime


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # accrue, pay, settle, redeem, reverse, ...
    # What the posting is for ("pay:<payout reference>"): posting it again finds this row.
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    reverses: Mapped[str | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    posted_by: Mapped[str] = mapped_column(String(120))


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    # Named accounts: "trade_in_liability", "promotion_expense", "store_credit:<card id>", ...
    account: Mapped[str] = mapped_column(String(120), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units; debit > 0, credit < 0
    currency: Mapped[str] = mapped_column(String(3))


class StoreCredit(Base):
    """A gift card: its balance is its ledger account's. The code is a bearer secret: kept
    encrypted (shown to its customer) and as a hash (looked up when a till redeems it)."""

    __tablename__ = "store_credits"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_encrypted: Mapped[str] = mapped_column(String(400))
    last4: Mapped[str] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3))
    issued_amount: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Coupon(Base):
    """A single-use discount on a new purchase, bound to its customer (the redeeming till
    must present the customer's e-mail, checked against a hash) and expiring."""

    __tablename__ = "coupons"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_encrypted: Mapped[str] = mapped_column(String(400))
    customer_hash: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_order: Mapped[str | None] = mapped_column(String(80))


class PayoutInstruction(Base):
    """A cash payout for the payout provider: the built-in one keeps it for a person to
    execute (exported as CSV) and to confirm with the bank's reference."""

    __tablename__ = "payout_instructions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # A failed transfer is followed by a new instruction for the same payout: the latest counts.
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    rail: Mapped[str] = mapped_column(String(20))  # bank_transfer, paypal
    # The destination (account or PayPal address), encrypted: personal data.
    destination_encrypted: Mapped[str] = mapped_column(String(600))
    destination_hint: Mapped[str] = mapped_column(String(20))  # "****1234": for listings
    status: Mapped[str] = mapped_column(String(20))  # instructed, executed, failed
    provider_reference: Mapped[str | None] = mapped_column(String(120))
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
