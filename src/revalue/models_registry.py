"""Imports every feature's models so Alembic sees the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from revalue.access import models as _access  # noqa: F401
    from revalue.catalog import models as _catalog  # noqa: F401
    from revalue.certificates import models as _certificates  # noqa: F401
    from revalue.customers import models as _customers  # noqa: F401
    from revalue.db import Base
    from revalue.events import models as _events  # noqa: F401
    from revalue.evidence import models as _evidence  # noqa: F401
    from revalue.grading import models as _grading  # noqa: F401
    from revalue.http import models as _http  # noqa: F401
    from revalue.identity import models as _identity  # noqa: F401
    from revalue.logistics import models as _logistics  # noqa: F401
    from revalue.lots import models as _lots  # noqa: F401
    from revalue.payouts import models as _payouts  # noqa: F401
    from revalue.programs import models as _programs  # noqa: F401
    from revalue.quotes import models as _quotes  # noqa: F401
    from revalue.recovery import models as _recovery  # noqa: F401
    from revalue.tradeins import models as _tradeins  # noqa: F401

    return Base.metadata
