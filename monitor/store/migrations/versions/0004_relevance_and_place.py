"""Whether a report is about Libya (`relevant`, and `relevance`: its score, the source's scope, the
reason and the evidence) and where the reported action happened (`place`, and its id in
`place_id`). The columns start empty: `monitor db upgrade` reads every report stored before them
once the schema is in place (see `monitor.retag`), as that needs the watchlist, which a schema
revision must not depend on.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relevant", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("relevance", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("place", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("place_id", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_reports_relevant_id", ["relevant", "id"], unique=False)
        batch_op.create_index(op.f("ix_reports_place_id"), ["place_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_reports_place_id"))
        batch_op.drop_index("ix_reports_relevant_id")
        batch_op.drop_column("place_id")
        batch_op.drop_column("place")
        batch_op.drop_column("relevance")
        batch_op.drop_column("relevant")
