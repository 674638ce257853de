"""The store as the replay pipeline left it: reports, their tags and entities, retrieval and
story keys, and the alert outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published", sa.DateTime(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("dedup_reason", sa.String(length=16), nullable=True),
        sa.Column("dedup_score", sa.Float(), nullable=True),
        sa.Column("input_ref", sa.Text(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("story_sig", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["reports.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(op.f("ix_reports_canonical_url"), ["canonical_url"], unique=False)
        batch_op.create_index(op.f("ix_reports_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(op.f("ix_reports_duplicate_of"), ["duplicate_of"], unique=False)
        batch_op.create_index(op.f("ix_reports_published"), ["published"], unique=False)
        batch_op.create_index("ix_reports_source_guid", ["source", "guid"], unique=False)
        batch_op.create_index(
            "ix_reports_source_status_id", ["source", "status", "id"], unique=False
        )
        batch_op.create_index("ix_reports_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_reports_stored_at", ["stored_at"], unique=False)
        batch_op.create_index(op.f("ix_reports_story_id"), ["story_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(op.f("ix_alerts_report_id"), ["report_id"], unique=False)
        batch_op.create_index("ix_alerts_status_id", ["status", "id"], unique=False)

    op.create_table(
        "dedup_keys",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("keys", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_table(
        "report_entities",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "entity_id"),
    )
    with op.batch_alter_table("report_entities", schema=None) as batch_op:
        batch_op.create_index("ix_report_entities_entity", ["entity_id", "report_id"], unique=False)

    op.create_table(
        "story_keys",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "day", "report_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("entity_kind", sa.String(length=50), nullable=True),
        sa.Column("parents", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(op.f("ix_tags_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    for table in ("tags", "story_keys", "report_entities", "dedup_keys", "alerts", "reports"):
        op.drop_table(table)
