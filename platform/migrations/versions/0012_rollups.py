"""Roll-up figures of the government views, kept up to date incrementally.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Owned by the roll-up work (supervision/rollups): tables of per-enterprise and per-area
# figures, the triggers that mark enterprises whose figures changed, their policies.
TABLES = """
"""


def upgrade() -> None:
    if TABLES.strip():
        op.execute(TABLES)


def downgrade() -> None:
    pass
