"""Lost links: a one-time code sent to the customer's email re-issues their trade-in links.

The answer to a request never says whether the email is known (no account enumeration); a code
lives 15 minutes, admits five tries, and works once; an email gets at most three codes in a
quarter of an hour, so the endpoint cannot be used to flood a mailbox.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revalue.customers import contacts, links
from revalue.customers.models import AccessCode
from revalue.domain.context import Context
from revalue.events.notify import Notifier

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
MAX_CODES_PER_WINDOW = 3


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _code_hash(email_digest: str, code: str) -> str:
    # Keyed by the email, so one leaked digest table does not answer for every address.
    return hmac.new(email_digest.encode(), code.encode(), hashlib.sha256).hexdigest()


def request(session: Session, email: str, notifier: Notifier, ctx: Context) -> bool:
    """Send a code if the email belongs to a customer with trade-ins; whether one was sent."""
    found = contacts.by_email(session, email)
    if not found:
        return False
    digest = _email_digest(email)
    recent = session.scalar(
        select(func.count()).where(
            AccessCode.email_digest == digest,
            AccessCode.created_at > ctx.now - timedelta(minutes=CODE_MINUTES),
        )
    )
    if (recent or 0) >= MAX_CODES_PER_WINDOW:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        AccessCode(
            email_digest=digest,
            code_hash=_code_hash(digest, code),
            created_at=ctx.now,
            expires_at=ctx.now + timedelta(minutes=CODE_MINUTES),
        )
    )
    notifier.email(
        session,
        contact_id=found[0].id,
        recipient=found[0].email or "",
        subject="Your code to open your trade-in",
        body=(
            f"Your code is {code}. It works once, for {CODE_MINUTES} minutes.\n"
            "If you did not ask for it, ignore this message."
        ),
        ctx=ctx,
    )
    return True


@dataclass(frozen=True, slots=True)
class Verified:
    ok: bool
    links: list[tuple[str, str]]  # (trade-in id, new link token)


def verify(session: Session, email: str, code: str, *, link_days: int, ctx: Context) -> Verified:
    """Check a code; on success, a fresh link for each of the email's trade-ins.

    A wrong code still counts an attempt: the caller commits and then refuses, so the count
    holds even though the request fails.
    """
    digest = _email_digest(email)
    pending = session.scalars(
        select(AccessCode)
        .where(
            AccessCode.email_digest == digest,
            AccessCode.used_at.is_(None),
            AccessCode.expires_at > ctx.now,
            AccessCode.attempts < MAX_ATTEMPTS,
        )
        .order_by(AccessCode.created_at.desc())
    ).first()
    if pending is None:
        return Verified(False, [])
    pending.attempts += 1
    if not hmac.compare_digest(pending.code_hash, _code_hash(digest, code)):
        return Verified(False, [])
    pending.used_at = ctx.now
    issued = [
        (c.trade_in_id, links.issue(session, c.trade_in_id, days=link_days, ctx=ctx))
        for c in contacts.by_email(session, email)
    ]
    return Verified(True, issued)
