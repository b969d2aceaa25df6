"""The job `orders.enterprise_alarms`: an order addressed to an enterprise shows among its
alarms 提醒报警 — a reminder while it waits for the answer, an alarm once overdue — raised once,
resolved by the order's state, and linked to the enterprise's order page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.clock import today
from anwang.platform.principal import SYSTEM
from anwang.supervision.orders.tasks import enterprise_alarms
from anwang.tenants.reminders.dashboard import alarm_link
from tests.conftest import as_principal
from tests.supervision.orders_support import City, city_of
from tests.tenants.factories import committed

TODAY = today()


@pytest.fixture(scope="module")
def c(owner_url: str) -> City:
    with committed(owner_url) as conn:
        return city_of(conn)


def order_to(db: Connection, c: City, deadline: date, *, to_enterprise: bool = True) -> int:
    """An order of the town to the demo enterprise (or to its grid, about it)."""
    return int(
        db.execute(
            text(
                "insert into supervision_order (subject, tenant_id, issuer_user_id,"
                " issuer_jurisdiction_id, target_jurisdiction_id, jurisdiction_path, title,"
                " deadline)"
                " select 'enterprise', e.id, :u, :town, :target, e.jurisdiction_path,"
                " '消防通道清理', :d from enterprise e where e.id = :t returning id"
            ),
            {
                "u": c.town.user_id,
                "town": c.town_id,
                "target": None if to_enterprise else c.grid_id,
                "d": deadline,
                "t": c.tenant,
            },
        ).scalar_one()
    )


def alarms(db: Connection, order_id: int) -> list[tuple[str, str, bool, int | None]]:
    return [
        (r.kind, r.severity, r.resolved_at is None, r.org_unit_id)
        for r in db.execute(
            text(
                "select kind, severity, resolved_at, org_unit_id from alarm"
                " where subject_table = 'supervision_order' and subject_id = :o order by kind"
            ),
            {"o": order_id},
        )
    ]


def root_unit(db: Connection, tenant: int) -> int:
    return int(
        db.execute(
            text("select id from org_unit where tenant_id = :t and parent_id is null"),
            {"t": tenant},
        ).scalar_one()
    )


def test_an_order_to_the_enterprise_is_a_reminder_until_answered(
    app_db: Connection, c: City
) -> None:
    as_principal(app_db, SYSTEM)  # what the job runs as
    order = order_to(app_db, c, TODAY + timedelta(days=10))
    assert enterprise_alarms(app_db, TODAY).raised >= 1
    root = root_unit(app_db, c.tenant)
    assert alarms(app_db, order) == [("order_received", "reminder", True, root)]
    assert enterprise_alarms(app_db, TODAY).raised == 0  # nothing raised twice
    assert alarms(app_db, order) == [("order_received", "reminder", True, root)]
    app_db.execute(
        text("update supervision_order set status = 'responded' where id = :o"), {"o": order}
    )
    enterprise_alarms(app_db, TODAY)
    assert alarms(app_db, order) == [("order_received", "reminder", False, root)]
    assert alarm_link({"subject_table": "supervision_order", "subject_id": order}) == (
        f"/enterprise/orders/{order}"
    )


def test_an_overdue_order_is_an_alarm_until_closed(app_db: Connection, c: City) -> None:
    as_principal(app_db, SYSTEM)
    order = order_to(app_db, c, TODAY - timedelta(days=2))
    app_db.execute(
        text("update supervision_order set status = 'responded' where id = :o"), {"o": order}
    )
    enterprise_alarms(app_db, TODAY)
    # answered but not closed past the deadline: still the enterprise's concern
    assert [(k, s, open_) for k, s, open_, _ in alarms(app_db, order)] == [
        ("order_overdue", "alarm", True)
    ]
    app_db.execute(
        text("update supervision_order set status = 'closed', closed_at = now() where id = :o"),
        {"o": order},
    )
    result = enterprise_alarms(app_db, TODAY)
    assert result.resolved >= 1
    assert [(k, open_) for k, _, open_, _ in alarms(app_db, order)] == [("order_overdue", False)]


def test_an_order_to_a_place_raises_nothing_at_the_enterprise(app_db: Connection, c: City) -> None:
    """An order to the grid about the enterprise is the grid's until passed down."""
    as_principal(app_db, SYSTEM)
    order = order_to(app_db, c, TODAY - timedelta(days=2), to_enterprise=False)
    enterprise_alarms(app_db, TODAY)
    assert alarms(app_db, order) == []
