"""The customer portal: public pages, no account. ``/p/{program_id}`` gets a quote
(``portal_quote``); the quote's secret link ``/t/{token}`` shows the offer, takes the
acceptance and tracks the trade-in (``portal_track``, ``portal_act``), with its files
(``portal_files``). Plain words for codes are in ``portal_words``."""

from fastapi import APIRouter

from revalue.web import portal_act, portal_files, portal_quote, portal_track

router = APIRouter()
for part in (portal_quote, portal_track, portal_act, portal_files):
    router.include_router(part.router)
