"""Request bodies that are files (CSV imports): the raw bytes, and their text."""

from __future__ import annotations

from fastapi import Request

from revalue.domain.errors import InvalidInput


async def text_body(request: Request) -> tuple[bytes, str]:
    """The body as bytes (for the idempotency fingerprint) and as UTF-8 text, a byte-order
    mark dropped; a body that is not UTF-8 is a 422 naming the byte."""
    raw = await request.body()
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 (byte {exc.start})", field="body") from None
