"""Secret links: a customer reaches their trade-in with a token, no account needed.

Tokens carry 256 random bits and are stored as their SHA-256 only; each expires, and can be
revoked by the customer or by staff (all links of a trade-in at once, for a leaked link).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from revalue.customers.models import CustomerLink
from revalue.domain.context import Context
from revalue.tokens import digest, new_secret

PREFIX = "rvc_"
_INSERT = insert(CustomerLink.__table__)


def issue(session: Session, trade_in_id: str, *, days: int, ctx: Context) -> str:
    """A new link token for the trade-in; the plaintext is returned once, never stored."""
    token = PREFIX + new_secret()
    # One INSERT statement rather than the ORM's unit of work: every quote issues a link.
    session.connection().execute(
        _INSERT,
        {
            "trade_in_id": trade_in_id,
            "token_hash": digest(token),
            "created_by": ctx.actor,
            "created_at": ctx.now,
            "expires_at": ctx.now + timedelta(days=days),
        },
    )
    return token


def find(session: Session, token: str, now: datetime) -> CustomerLink | None:
    """The live link of a token, or None: unknown, expired or revoked."""
    link = session.scalars(
        select(CustomerLink).where(CustomerLink.token_hash == digest(token))
    ).first()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    return link


def revoke_all(session: Session, trade_in_id: str, ctx: Context) -> int:
    """Revoke every live link of a trade-in; how many were live."""
    result = session.execute(
        update(CustomerLink)
        .where(CustomerLink.trade_in_id == trade_in_id, CustomerLink.revoked_at.is_(None))
        .values(revoked_at=ctx.now)
    )
    return result.rowcount or 0
