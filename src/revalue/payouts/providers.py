"""Payout providers: where cash goes out. The built-in one records each instruction for a
person to execute (bank transfer or PayPal), exported as CSV, and confirmed afterwards with the
bank's reference; a real provider (a payment rail's API) implements the same interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.events.signing import seal
from revalue.payouts.models import PayoutInstruction
from revalue.tradeins.models import Payment

INSTRUCTED, EXECUTED, FAILED = "instructed", "executed", "failed"


@dataclass(frozen=True, slots=True)
class Destination:
    rail: str  # bank_transfer, paypal, in_person (cash at the counter)
    account: str  # an IBAN or account number, or a PayPal address: personal data

    @property
    def hint(self) -> str:
        return "****" + self.account[-4:] if self.account else ""


class PayoutProvider(Protocol):
    name: str

    def instruct(
        self, session: Session, payment: Payment, to: Destination, box: Fernet, ctx: Context
    ) -> PayoutInstruction: ...


class ManualProvider:
    """Keeps the instruction for finance staff to execute by hand."""

    name = "manual"

    def instruct(
        self, session: Session, payment: Payment, to: Destination, box: Fernet, ctx: Context
    ) -> PayoutInstruction:
        row = PayoutInstruction(
            payment_id=payment.id,
            provider=self.name,
            rail=to.rail,
            destination_encrypted=seal(box, to.account),
            destination_hint=to.hint,
            status=INSTRUCTED,
        )
        session.add(row)
        return row


def built_in() -> PayoutProvider:
    return ManualProvider()
