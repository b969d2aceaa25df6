"""The SQLModel classes describe the schema the migrations made, column for column."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import anwang.platform.attachments.models
import anwang.platform.audit
import anwang.platform.identity.models
import anwang.platform.registry.models
import anwang.supervision.operations.models
import anwang.supervision.orders.models
import anwang.supervision.patrol.models
import anwang.supervision.rollups.models
import anwang.supervision.spot_checks.models
import anwang.tenants.checks.models
import anwang.tenants.hazards.models
import anwang.tenants.org.models
import anwang.tenants.reminders.models
import anwang.tenants.risk.models  # noqa: F401  (registers the tables)


def test_every_model_column_exists_in_the_migrated_schema(owner_db: Connection) -> None:
    assert SQLModel.metadata.tables, "no models registered"
    for name, table in SQLModel.metadata.tables.items():
        columns = set(
            owner_db.execute(
                text("select column_name from information_schema.columns where table_name = :t"),
                {"t": name},
            ).scalars()
        )
        assert columns, f"table {name} is not in the migrated schema"
        assert {c.name for c in table.columns} == columns, name
