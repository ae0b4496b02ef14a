"""Who may do what: staff roles, the principals that act, and each operation's policy.

A principal is a staff member (roles per program, or installation-wide for an admin), a
partner's API key (programs and operations it is scoped to) or a customer holding a secret
link to one trade-in. A policy is what one API operation declares: the staff roles it admits,
and whether partners, customers or anyone at all may call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
ALL_STAFF = frozenset(Role)


class Kind(StrEnum):
    STAFF = "staff"
    PARTNER = "partner"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    kind: Kind
    actor: str  # written as the actor of custody events: "staff:12", "key:k_...", "customer"
    # Staff: roles per program; the key ``None`` holds installation-wide roles.
    roles: Mapping[str | None, frozenset[Role]] = field(default_factory=dict)
    # Partner keys: the programs and operations the key is scoped to.
    programs: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    # Customers: the one trade-in their link opens.
    trade_in_id: str | None = None

    @property
    def everywhere(self) -> frozenset[Role]:
        return self.roles.get(None, frozenset())

    def roles_in(self, program_id: str) -> frozenset[Role]:
        return self.everywhere | self.roles.get(program_id, frozenset())

    def sees(self, program_id: str) -> bool:
        """Whether the program exists for this principal at all (if not: 404, never 403)."""
        if self.kind is Kind.STAFF:
            return bool(self.roles_in(program_id))
        if self.kind is Kind.PARTNER:
            return program_id in self.programs
        return True  # a customer is scoped by trade-in, checked by the caller


@dataclass(frozen=True, slots=True)
class Policy:
    """What an operation admits. ``public`` admits anyone, signed in or not."""

    roles: frozenset[Role]
    partner: bool = False
    customer: bool = False
    public: bool = False

    def admits_somewhere(self, who: Principal, operation: str) -> bool:
        """Whether the principal may call the operation in at least one program."""
        if who.kind is Kind.PARTNER and self.partner:
            # A key presented is held to its scope, on public operations too.
            return operation in who.operations
        if self.public:
            return True
        if who.kind is Kind.STAFF:
            return any(self.roles & held for held in who.roles.values())
        return self.customer

    def admits_in(self, who: Principal, program_id: str) -> bool:
        """Whether the principal may call it on this program's data, once it sees the program.
        Partners and customers are scoped by key and link; staff by their roles there."""
        if who.kind is Kind.STAFF and not self.public:
            return bool(self.roles & who.roles_in(program_id))
        return True

    def programs(self, who: Principal) -> frozenset[str] | None:
        """The programs whose data this operation shows the principal; ``None``: all."""
        if who.kind is Kind.PARTNER:
            return who.programs
        if who.kind is Kind.STAFF:
            if self.roles & who.everywhere:
                return None
            return frozenset(p for p, held in who.roles.items() if p and self.roles & held)
        return frozenset()
