"""Staff roles. Each API operation will declare the roles it needs (issue 3)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PROGRAM_MANAGER = "program_manager"
    STORE_ASSOCIATE = "store_associate"
    RECEIVER = "receiver"
    INSPECTOR = "inspector"
    TECHNICIAN = "technician"
    FINANCE = "finance"
    AUDITOR = "auditor"  # reads everything of its programs, changes nothing


# An admin runs the installation; every other role is held within one program.
INSTALLATION_ROLES = frozenset({Role.ADMIN})
