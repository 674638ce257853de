"""What happened in a report (`event`: its type and sub-type, the people killed, injured,
kidnapped and arrested, the day, who acted on whom, and the cues behind each), with its type in
`event_type` and its dead in `killed` beside the JSON, for `monitor reports --event-type` and
`--min-killed`; and why a report joined its story or opened one (`story_reason`). The columns
start empty: `monitor db upgrade` reads every report stored before them once the schema is in
place (see `monitor.retag`), as reading needs the watchlist, which a schema revision must not
depend on.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("killed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("story_reason", sa.Text(), nullable=True))
        batch_op.create_index("ix_reports_event_type_id", ["event_type", "id"], unique=False)
        batch_op.create_index(op.f("ix_reports_killed"), ["killed"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_reports_killed"))
        batch_op.drop_index("ix_reports_event_type_id")
        batch_op.drop_column("story_reason")
        batch_op.drop_column("event")
        batch_op.drop_column("killed")
        batch_op.drop_column("event_type")
