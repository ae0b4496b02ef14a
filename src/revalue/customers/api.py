"""The customer's way back in: a one-time code by email re-issues their trade-in links."""

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from revalue.customers import codes
from revalue.customers.schemas import AccessRequestIn, AccessVerifyIn, LinkOut, LinksOut
from revalue.domain.errors import Unauthenticated
from revalue.events.notify import OutboxNotifier
from revalue.http.auth import Grant, allow
from revalue.http.deps import context, state
from revalue.http.errors import ERROR_RESPONSES

router = APIRouter(prefix="/customer", tags=["customers"], responses=ERROR_RESPONSES)


class AccessCodeInvalid(Unauthenticated):
    code = "access_code_invalid"


@router.post("/access", status_code=202)
def request_access(
    body: AccessRequestIn, request: Request, grant: Grant = Depends(allow(public=True))
) -> JSONResponse:
    """Email a one-time code to open the trade-ins of this address. The answer is the same
    whether or not the address is known."""
    ctx = context(request)
    with state(request).sessions.begin() as session:
        codes.request(session, body.email, OutboxNotifier(), ctx)
    return JSONResponse(
        {"message": "if this address has trade-ins, a code is on its way"}, status_code=202
    )


@router.post("/access/verify", response_model=LinksOut)
def verify_access(
    body: AccessVerifyIn, request: Request, grant: Grant = Depends(allow(public=True))
) -> LinksOut:
    """Trade the code for a fresh link to each trade-in of the address."""
    st, ctx = state(request), context(request)
    days = st.settings.customer_link_days
    # The attempt is counted and committed even when the code is wrong.
    with st.sessions.begin() as session:
        result = codes.verify(session, body.email, body.code, link_days=days, ctx=ctx)
    if not result.ok:
        st.audit(request, "access_code_invalid", 401, "customer", {})
        raise AccessCodeInvalid("this code is wrong, used or expired; ask for a new one")
    expires_at = ctx.now + timedelta(days=days)
    return LinksOut(
        links=[LinkOut(trade_in_id=t, token=tok, expires_at=expires_at) for t, tok in result.links]
    )
