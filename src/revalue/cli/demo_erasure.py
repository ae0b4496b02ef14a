"""The demo's erasures: the technique each category calls for, with the erasure tool's name,
version and verification; a few that fail and are erased again or have their storage
destroyed; the sampled records verified by a second technician; a certificate for each
device that ends erased."""

from __future__ import annotations

from typing import TYPE_CHECKING

from revalue.certificates import service as certificates
from revalue.domain.catalog import Category
from revalue.domain.lifecycle import State
from revalue.domain.records import (
    MediumKind,
    SanitizationLevel,
    SanitizationResult,
    SanitizationTechnique,
    Verification,
)
from revalue.tradeins import repository, sanitization, schemas

if TYPE_CHECKING:  # the walk's state, defined by the demo that calls this
    from revalue.cli.demo import Story

TOOL, VERSION = "Revalue Wipe", "4.2.1"
WIPE = {
    Category.SMARTPHONE: (SanitizationLevel.PURGE, SanitizationTechnique.CRYPTOGRAPHIC_ERASE),
    Category.TABLET: (SanitizationLevel.PURGE, SanitizationTechnique.CRYPTOGRAPHIC_ERASE),
    Category.LAPTOP: (SanitizationLevel.PURGE, SanitizationTechnique.BLOCK_ERASE),
    Category.WEARABLE: (SanitizationLevel.CLEAR, SanitizationTechnique.FACTORY_RESET_VERIFIED),
}
MEDIUM = {Category.LAPTOP: MediumKind.SSD}
VERIFY = "tool read-back of every block"
DESTROY = schemas.MediumIn(
    level=SanitizationLevel.DESTROY,
    technique=SanitizationTechnique.PHYSICAL_DESTRUCTION,
    result=SanitizationResult.ERASED,
)


def erase(story: Story, tid: str, category: Category) -> bool:
    """Erase until a record passes (or the storage is destroyed) and any sampled record is
    verified; whether the device may go on to payment (the walk may stop before)."""
    rng, s = story.rng, story.session
    technician = f"technician-{rng.randint(1, 5)}"
    level, technique = WIPE[category]
    result = rng.choices(list(SanitizationResult), weights=[97, 2, 1])[0]
    medium = schemas.MediumIn(
        kind=MEDIUM.get(category, MediumKind.INTERNAL_STORAGE),
        level=level,
        technique=technique,
        result=result,
    )
    for attempt in range(3):
        start = story.at
        if not story.wait(0.2, 1.5):
            return False
        record = schemas.SanitizeIn(
            media=[medium],
            tool=TOOL,
            tool_version=VERSION,
            started_at=start,
            completed_at=story.at,
            verification_method=VERIFY if medium.level != SanitizationLevel.DESTROY else "visual",
            destination="held for disposition at the processing site",
        )
        trade_in = sanitization.sanitize(s, tid, record, story.ctx(technician))
        if trade_in.state == State.SANITIZED and _verified(story, tid, technician):
            break
        # Failed: erase again with the same technique, or (second failure) destroy.
        medium = (
            DESTROY
            if attempt or rng.random() < 0.4
            else medium.model_copy(update={"result": SanitizationResult.ERASED})
        )
    else:
        return False
    certificates.issue(s, tid, secrets_dir=story.secrets_dir, ctx=story.ctx("erasure-desk"))
    return True


def _verified(story: Story, tid: str, technician: str) -> bool:
    """A sampled record verified by another technician (who finds data left now and then)."""
    record = repository.latest_sanitization(story.session, tid)
    if record is None or record.verification != Verification.REQUIRED:
        return True
    if not story.wait(1, 8):
        return False
    passed = story.rng.random() < 0.9
    check = schemas.VerifyErasureIn(passed=passed, method="sampled sector read-back")
    sanitization.verify(story.session, tid, check, story.ctx(f"verifier-of-{technician}"))
    return passed
