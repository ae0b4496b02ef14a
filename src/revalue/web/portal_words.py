"""The customer portal's plain words: condition questions and their explanations, payout
methods and pathways by name, money and times as people read them, and each custody event
as a sentence. Customers never see an internal code where a word fits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from revalue.domain.condition import Cosmetic, Fault
from revalue.domain.program import Pathway, PayoutMethod
from revalue.web.render import money

CATEGORIES = {
    "smartphone": "Phones",
    "tablet": "Tablets",
    "laptop": "Laptops",
    "wearable": "Watches and wearables",
}

# The cosmetic grades as the customer picks them, each with what it means (the inspector
# checks the same thing: the grading scale's zones and defects).
COSMETIC = {
    Cosmetic.FLAWLESS: ("Flawless", "Looks new: no scratches, scuffs or dents you can see."),
    Cosmetic.GOOD: ("Good", "Light signs of use: a few fine scratches, seen only up close."),
    Cosmetic.FAIR: ("Fair", "Clear wear: scratches or scuffs you notice at arm's length."),
    Cosmetic.POOR: ("Poor", "Heavy wear: deep scratches, dents, chips or a bent body."),
}

FAULTS = {
    Fault.BATTERY: "Battery drains fast or swells",
    Fault.DISPLAY: "Screen has dead pixels, lines or burn-in",
    Fault.CAMERA: "Camera does not work",
    Fault.SPEAKER: "Speaker does not work",
    Fault.MICROPHONE: "Microphone does not work",
    Fault.BUTTONS: "Buttons do not work",
    Fault.BIOMETRICS: "Face or fingerprint unlock does not work",
    Fault.CHARGING_PORT: "Does not charge",
    Fault.CONNECTIVITY: "Wi-Fi, Bluetooth or mobile signal does not work",
    Fault.KEYBOARD: "Keyboard keys do not work",
    Fault.TRACKPAD: "Trackpad does not work",
    Fault.PORTS: "Ports (USB, headphone) do not work",
    Fault.HINGE: "Hinge is loose or broken",
    Fault.SENSORS: "Health sensors do not work",
    Fault.STRAP: "Strap is missing or broken",
    Fault.CROWN: "Crown or side button does not work",
}

METHODS = {
    PayoutMethod.CASH: "Cash",
    PayoutMethod.STORE_CREDIT: "Store credit",
    PayoutMethod.PURCHASE_DISCOUNT: "Purchase discount",
    PayoutMethod.LOYALTY_POINTS: "Loyalty points",
}

# The pathways a customer chooses; business lots come in through staff, never the portal.
PATHWAYS = {
    Pathway.MAIL_IN: ("Mail-in", "We give you a prepaid label; you post the device to us."),
    Pathway.IN_STORE: ("In store", "Bring the device to a store; show the QR code at the desk."),
    Pathway.KIOSK: ("Kiosk", "Drop the device at a trade-in kiosk."),
}

# The accept form's fields by name, for its error messages.
FIELDS = {
    "pathway": "How you send the device",
    "payout_method": "How you are paid",
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "address": "Address",
    "line1": "Address line 1",
    "line2": "Address line 2",
    "city": "Town or city",
    "postal_code": "Postcode",
    "country": "Country code",
    "answer": "The new offer",
}
FORMATS = {
    "email": "Enter an email address like name@example.com.",
    "country": "Enter the two-letter country code, e.g. GB or US.",
    "phone": "Enter a phone number of digits, spaces and an optional leading +.",
}

STATES = {
    "quoted": "Offer made",
    "accepted": "Offer accepted",
    "awaiting_shipment": "Waiting for your parcel",
    "in_transit": "On its way to us",
    "lost_in_transit": "Lost by the carrier: we pay you as quoted",
    "received": "Received",
    "inspected": "Inspected",
    "requote_offered": "New offer: waiting for your answer",
    "requote_accepted": "New offer accepted",
    "requote_declined": "New offer declined: we send the device back",
    "sanitization_failed": "Data erasure being repeated",
    "sanitized": "Your data was erased",
    "disposed": "Sent on its way",
    "returned": "Sent back to you",
    "rejected": "Not accepted",
    "cancelled": "Cancelled",
    "expired": "Expired",
}


def device(brand: str, name: str) -> str:
    """ "Apple iPhone 15", and "Xiaomi 12" where the model's name already says the brand."""
    return name if name.lower().startswith(brand.lower()) else f"{brand} {name}"


def plain_label(label: str) -> str:
    """A quote line's label with the payout methods' codes in words ("Bonus for store
    credit: +10%")."""
    for method, name in METHODS.items():
        label = label.replace(str(method), name.lower())
    return label


def humanize(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _paid(e: Event) -> str:
    d = e.data
    if d.get("points"):
        return f"Paid: {d['points']:,} loyalty points"
    if "amount" in d and "currency" in d:
        return f"Paid: {money(d['amount'], d['currency'])} as {_method(d.get('method'))}"
    return "Paid"


def _method(code: Any) -> str:
    return METHODS.get(code, humanize(str(code or ""))).lower()


def _accepted(e: Event) -> str:
    d = e.data
    label = PATHWAYS.get(d.get("pathway"), (humanize(str(d.get("pathway", ""))), ""))[0]
    if "amount" in d and "currency" in d:
        amount = money(d["amount"], d["currency"])
        return f"You accepted {amount} as {_method(d.get('payout_method'))} ({label})"
    return f"You accepted the offer ({label})"


def _requote(e: Event) -> str:
    d = e.data
    if {"quoted", "found", "currency"} <= d.keys():
        was, now = money(d["quoted"], d["currency"]), money(d["found"], d["currency"])
        return f"We found a difference and made a new offer: {now} instead of {was}"
    return "We found a difference and made a new offer"


def _raised(e: Event) -> str:
    d = e.data
    if {"found", "currency"} <= d.keys():
        return f"Better than you said: we raised the offer to {money(d['found'], d['currency'])}"
    return "Better than you said: we raised the offer"


def _inspected(e: Event) -> str:
    grade = e.data.get("grade")
    return f"Inspected: graded {grade} by an inspector" if grade else "Inspected"


def _disposed(e: Event) -> str:
    return (
        "Sent for responsible recycling"
        if e.data.get("route") == "recycle"
        else ("Sent on for reuse")
    )


def _shipped(e: Event) -> str:
    where = e.data.get("location")
    return f"The carrier has your parcel ({where})" if where else "The carrier has your parcel"


class Event:
    """What a sentence needs of a custody event."""

    __slots__ = ("action", "data", "place")

    def __init__(self, action: str, place: str, data: Mapping[str, Any]) -> None:
        self.action, self.place, self.data = action, place, data


SENTENCES: dict[str, Callable[[Event], str]] = {
    "quote": lambda e: "You got an offer",
    "accept": _accepted,
    "await_shipment": lambda e: "Shipping label made",
    "ship": _shipped,
    "delivered": lambda e: "The carrier delivered your parcel",
    "receive": lambda e: f"Received at {e.place}",
    "transfer_out": lambda e: "Sent from the store to our processing centre",
    "transfer_in": lambda e: f"Arrived at {e.place}",
    "inspect": _inspected,
    "second_opinion": lambda e: "Checked again by a second inspector",
    "offer_requote": _requote,
    "raise_offer": _raised,
    "accept_requote": lambda e: "You accepted the new offer",
    "decline_requote": lambda e: "You declined the new offer",
    "requote_lapsed_return": lambda e: "No answer to the new offer: we send the device back",
    "requote_lapsed_accept": lambda e: "No answer to the new offer: it stands as accepted",
    "sanitize": lambda e: f"Your data was erased (NIST {e.data.get('level', 'purge')})",
    "sanitize_failed": lambda e: "Data erasure incomplete: we erase it again",
    "verification_failed": lambda e: "An erasure check found data left: we erase it again",
    "verify_erasure": lambda e: "The erasure was checked independently",
    "certify": lambda e: "Certificate of data erasure issued",
    "pay": _paid,
    "instant_credit_settled": lambda e: "Your store credit was settled",
    "payout_failed": lambda e: "The payment failed: we will try again",
    "dispose": _disposed,
    "stocked": lambda e: "Prepared for its next owner",
    "sold": lambda e: "Found a new owner",
    "harvested": lambda e: "Its parts were harvested for reuse",
    "recycled": lambda e: "Recycled responsibly",
    "return": lambda e: "Sent back to you",
    "returned_to_sender": lambda e: "Sent back to you",
    "reject": lambda e: "Not accepted: " + humanize(str(e.data.get("reason", ""))).lower(),
    "cancel": lambda e: "Cancelled",
    "expire": lambda e: "The offer expired",
    "reprice": lambda e: "Not shipped in time: priced again",
    "declare_lost": lambda e: "The carrier lost the parcel: we pay you as quoted",
    "claim_opened": lambda e: "We asked the carrier to trace your parcel",
    "claim_resolved": lambda e: "The carrier's search is over",
    "erase_personal_data": lambda e: "Your contact details were erased",
}

# The staff's own working steps: screening checks, moves about a site, photos, repairs and
# listings. They say nothing the customer needs and some (sale prices) are not theirs to see.
INTERNAL = frozenset(
    {
        "check", "identify", "flag", "flag_cleared", "flag_confirmed", "move", "photo",
        "weight_flag", "work_order_planned", "repair_started", "qc_passed", "qc_failed",
        "listed", "unlisted", "reserved_in_lot", "released", "payout_held", "transfer_missing",
        "contents_dispute", "contents_resolved", "certify_summary",
    }
)  # fmt: skip


def sentence(action: str, place: str, data: Mapping[str, Any]) -> str:
    """The event in plain words; an action nobody named here reads as its own name."""
    say = SENTENCES.get(action)
    return say(Event(action, place, data)) if say else humanize(action)


def shown(action: str) -> bool:
    return action not in INTERNAL
