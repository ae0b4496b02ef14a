"""The spine: catalog, programs, quotes, trade-ins, the custody log, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 04:51:28.271204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_models",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_models")),
    )
    with op.batch_alter_table("catalog_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_models_category"), ["category"], unique=False)

    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "scope", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "accepted_categories",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "pathways", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "payout_options",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("quote_validity_days", sa.Integer(), nullable=False),
        sa.Column("resale_strategy", sa.String(length=30), nullable=False),
        sa.Column(
            "objectives", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "pricing", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
    )
    op.create_table(
        "catalog_identifiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=False),
        sa.Column("scheme", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["catalog_models.id"],
            name=op.f("fk_catalog_identifiers_model_id_catalog_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_identifiers")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_catalog_identifiers_scheme_value")),
    )
    op.create_table(
        "catalog_variants",
        sa.Column("sku", sa.String(length=160), nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=False),
        sa.Column("storage_gb", sa.Integer(), nullable=False),
        sa.Column("ram_gb", sa.Integer(), nullable=True),
        sa.Column("connectivity", sa.String(length=20), nullable=True),
        sa.Column("launch_price", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["catalog_models.id"],
            name=op.f("fk_catalog_variants_model_id_catalog_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_catalog_variants")),
    )
    with op.batch_alter_table("catalog_variants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_variants_model_id"), ["model_id"], unique=False
        )

    op.create_table(
        "program_promotions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("program_id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("percent_bp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["catalog_models.id"],
            name=op.f("fk_program_promotions_model_id_catalog_models"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_promotions_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_promotions")),
    )
    with op.batch_alter_table("program_promotions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_promotions_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "program_base_prices",
        sa.Column("program_id", sa.String(length=60), nullable=False),
        sa.Column("variant_sku", sa.String(length=160), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_base_prices_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_sku"],
            ["catalog_variants.sku"],
            name=op.f("fk_program_base_prices_variant_sku_catalog_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", "variant_sku", name=op.f("pk_program_base_prices")),
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("program_id", sa.String(length=60), nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=False),
        sa.Column("variant_sku", sa.String(length=160), nullable=False),
        sa.Column(
            "condition", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("grade", sa.String(length=2), nullable=True),
        sa.Column("recycle_only", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "offers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column(
            "terms",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["catalog_models.id"], name=op.f("fk_quotes_model_id_catalog_models")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_quotes_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["variant_sku"],
            ["catalog_variants.sku"],
            name=op.f("fk_quotes_variant_sku_catalog_variants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_trade_in_id"), ["trade_in_id"], unique=False)

    op.create_table(
        "trade_ins",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.String(length=60), nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=False),
        sa.Column("variant_sku", sa.String(length=160), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("quote_id", sa.String(length=40), nullable=False),
        sa.Column("requote_id", sa.String(length=40), nullable=True),
        sa.Column("pathway", sa.String(length=20), nullable=True),
        sa.Column("payout_method", sa.String(length=30), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["catalog_models.id"], name=op.f("fk_trade_ins_model_id_catalog_models")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_trade_ins_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["variant_sku"],
            ["catalog_variants.sku"],
            name=op.f("fk_trade_ins_variant_sku_catalog_variants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_ins")),
    )
    with op.batch_alter_table("trade_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_ins_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_ins_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_ins_state"), ["state"], unique=False)

    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_ins.id"], name=op.f("fk_custody_events_trade_in_id_trade_ins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_events")),
        sa.UniqueConstraint("trade_in_id", "seq", name=op.f("uq_custody_events_trade_in_id_seq")),
    )
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_ins.id"], name=op.f("fk_dispositions_trade_in_id_trade_ins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispositions")),
        sa.UniqueConstraint("trade_in_id", name=op.f("uq_dispositions_trade_in_id")),
    )
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("inspector", sa.String(length=120), nullable=False),
        sa.Column(
            "condition", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("grade", sa.String(length=2), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_ins.id"], name=op.f("fk_inspections_trade_in_id_trade_ins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspections_trade_in_id"), ["trade_in_id"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_ins.id"], name=op.f("fk_payments_trade_in_id_trade_ins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("trade_in_id", name=op.f("uq_payments_trade_in_id")),
    )
    op.create_table(
        "sanitizations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_in_id", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("technique", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=30), nullable=False),
        sa.Column("operator", sa.String(length=120), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_ins.id"], name=op.f("fk_sanitizations_trade_in_id_trade_ins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanitizations")),
    )
    with op.batch_alter_table("sanitizations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sanitizations_trade_in_id"), ["trade_in_id"], unique=False
        )

    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 1)")
    _protect_custody_log()


# The custody log is append-only: the database itself refuses to change or remove an event.
# (An administrator can still drop the trigger; the hash chain is what catches that.)
def _protect_custody_log() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION custody_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'custody_events is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER custody_events_append_only BEFORE UPDATE OR DELETE ON custody_events "
            "FOR EACH ROW EXECUTE FUNCTION custody_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER custody_events_no_{verb.lower()} BEFORE {verb} ON custody_events "
                f"BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: {verb} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS custody_events_append_only ON custody_events")
        op.execute("DROP FUNCTION IF EXISTS custody_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS custody_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS custody_events_no_delete")
    with op.batch_alter_table("sanitizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanitizations_trade_in_id"))

    op.drop_table("sanitizations")
    op.drop_table("payments")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_trade_in_id"))

    op.drop_table("inspections")
    op.drop_table("dispositions")
    op.drop_table("custody_events")
    with op.batch_alter_table("trade_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_ins_state"))
        batch_op.drop_index(batch_op.f("ix_trade_ins_program_id"))
        batch_op.drop_index(batch_op.f("ix_trade_ins_expires_at"))

    op.drop_table("trade_ins")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_trade_in_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_program_id"))

    op.drop_table("quotes")
    op.drop_table("program_base_prices")
    with op.batch_alter_table("program_promotions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_promotions_program_id"))

    op.drop_table("program_promotions")
    with op.batch_alter_table("catalog_variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_variants_model_id"))

    op.drop_table("catalog_variants")
    op.drop_table("catalog_identifiers")
    op.drop_table("programs")
    op.drop_table("idempotency_keys")
    op.drop_table("catalog_version")
    with op.batch_alter_table("catalog_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_models_category"))

    op.drop_table("catalog_models")
