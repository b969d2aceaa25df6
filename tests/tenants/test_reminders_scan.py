"""The daily scan `reminders.scan`: reminders 30 days before a certificate expires or an
inspection falls due (90 days before end of life), alarms from the day after, exactly once,
and resolved when the cause is gone (renewed, inspected, scrapped)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from anwang.platform.principal import SYSTEM
from anwang.tenants.reminders.scan import scan
from tests.conftest import as_principal
from tests.tenants.factories import committed, company, make_unit, tenant_of

TODAY = date(2026, 11, 24)


def fresh_tenant(conn: Connection, name: str = "提醒测试企业") -> int:
    """A new enterprise of its own (no seeded rows), in the demo tenant's grid and sector."""
    model = tenant_of(conn, "boss")
    code = ("91320585" + uuid.uuid4().hex.upper())[:18]
    return int(
        conn.execute(
            text(
                "insert into enterprise (name, credit_code, industry, scale, jurisdiction_id,"
                " sector) select :n, :c, industry, scale, jurisdiction_id, sector"
                " from enterprise where id = :m returning id"
            ),
            {"n": f"{name}{code[-6:]}", "c": code, "m": model},
        ).scalar_one()
    )


def make_staff(conn: Connection, tenant_id: int, unit_id: int, name: str = "张三") -> int:
    return int(
        conn.execute(
            text(
                "insert into staff (tenant_id, name, org_unit_id) values (:t, :n, :u) returning id"
            ),
            {"t": tenant_id, "n": name, "u": unit_id},
        ).scalar_one()
    )


def make_certificate(
    conn: Connection,
    tenant_id: int,
    expires_on: date | None,
    *,
    name: str = "安全生产许可证",
    kind: str = "safety_licence",
    staff_id: int | None = None,
    org_unit_id: int | None = None,
) -> int:
    return int(
        conn.execute(
            text(
                "insert into certificate (tenant_id, kind, name, staff_id, org_unit_id,"
                " expires_on) values (:t, :k, :n, :s, :u, :e) returning id"
            ),
            {
                "t": tenant_id,
                "k": kind,
                "n": name,
                "s": staff_id,
                "u": org_unit_id,
                "e": expires_on,
            },
        ).scalar_one()
    )


def make_equipment(
    conn: Connection,
    tenant_id: int,
    unit_id: int,
    *,
    next_inspection_on: date | None = None,
    end_of_life_on: date | None = None,
    status: str = "in_use",
    name: str = "叉车",
    risk_point_id: int | None = None,
) -> int:
    return int(
        conn.execute(
            text(
                "insert into equipment (tenant_id, name, org_unit_id, is_special,"
                " next_inspection_on, end_of_life_on, status, risk_point_id)"
                " values (:t, :n, :u, true, :i, :e, :s, :r) returning id"
            ),
            {
                "t": tenant_id,
                "n": name,
                "u": unit_id,
                "i": next_inspection_on,
                "e": end_of_life_on,
                "s": status,
                "r": risk_point_id,
            },
        ).scalar_one()
    )


def alarms_of(conn: Connection, table: str, subject_id: int) -> set[tuple[str, str, bool]]:
    """(kind, severity, open) of a subject's alarms."""
    rows = conn.execute(
        text(
            "select kind, severity, resolved_at is null from alarm"
            " where subject_table = :t and subject_id = :i"
        ),
        {"t": table, "i": subject_id},
    ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def run_scan(app_db: Connection, today: date = TODAY) -> None:
    as_principal(app_db, SYSTEM)
    scan(Session(bind=app_db), today)


def test_certificates_at_the_30_day_and_due_date_boundaries(
    owner_url: str, app_db: Connection
) -> None:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        root = company(conn, t)
        shop = make_unit(conn, t, "电工班", "team")
        person = make_staff(conn, t, shop)
        far = make_certificate(conn, t, TODAY + timedelta(days=31))
        edge = make_certificate(conn, t, TODAY + timedelta(days=30))
        last_day = make_certificate(conn, t, TODAY)
        expired = make_certificate(
            conn, t, TODAY - timedelta(days=1), kind="special_operation", name="电工作业",
            staff_id=person, org_unit_id=shop,
        )  # fmt: skip
        undated = make_certificate(conn, t, None, name="其他证照", kind="other")
    run_scan(app_db)
    assert alarms_of(app_db, "certificate", far) == set()
    assert alarms_of(app_db, "certificate", undated) == set()
    assert alarms_of(app_db, "certificate", edge) == {("certificate_expiring", "reminder", True)}
    assert alarms_of(app_db, "certificate", last_day) == {
        ("certificate_expiring", "reminder", True)
    }
    assert alarms_of(app_db, "certificate", expired) == {("certificate_expired", "alarm", True)}
    units = dict(
        app_db.execute(
            text("select subject_id, org_unit_id from alarm where subject_table = 'certificate'"
                 " and subject_id = any(:ids)"),
            {"ids": [edge, expired]},
        ).all()
    )  # fmt: skip
    # A company certificate shows at the root, a staff certificate at the holder's unit.
    assert units == {edge: root, expired: shop}
    message = app_db.execute(
        text("select message, due_on from alarm where subject_table = 'certificate'"
             " and subject_id = :i"), {"i": edge},
    ).one()  # fmt: skip
    assert "2026年12月24日" in message.message and message.due_on == TODAY + timedelta(days=30)


def test_equipment_inspection_and_end_of_life(owner_url: str, app_db: Connection) -> None:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        unit = make_unit(conn, t, "仓储部", "department")
        due = make_equipment(conn, t, unit, next_inspection_on=TODAY + timedelta(days=30))
        not_yet = make_equipment(conn, t, unit, next_inspection_on=TODAY + timedelta(days=31))
        overdue = make_equipment(conn, t, unit, next_inspection_on=TODAY - timedelta(days=1))
        on_day = make_equipment(conn, t, unit, next_inspection_on=TODAY)
        eol_soon = make_equipment(conn, t, unit, end_of_life_on=TODAY + timedelta(days=90))
        eol_far = make_equipment(conn, t, unit, end_of_life_on=TODAY + timedelta(days=91))
        eol_past = make_equipment(conn, t, unit, end_of_life_on=TODAY - timedelta(days=1))
        stopped = make_equipment(
            conn, t, unit, next_inspection_on=TODAY - timedelta(days=5), status="stopped"
        )
    run_scan(app_db)
    assert alarms_of(app_db, "equipment", due) == {("inspection_due", "reminder", True)}
    assert alarms_of(app_db, "equipment", on_day) == {("inspection_due", "reminder", True)}
    assert alarms_of(app_db, "equipment", not_yet) == set()
    assert alarms_of(app_db, "equipment", overdue) == {("inspection_overdue", "alarm", True)}
    assert alarms_of(app_db, "equipment", eol_soon) == {("end_of_life", "reminder", True)}
    assert alarms_of(app_db, "equipment", eol_far) == set()
    assert alarms_of(app_db, "equipment", eol_past) == {("end_of_life", "alarm", True)}
    assert alarms_of(app_db, "equipment", stopped) == set()
    shown = app_db.execute(
        text("select distinct org_unit_id from alarm where subject_table = 'equipment'"
             " and subject_id = any(:ids)"), {"ids": [due, overdue, eol_past]},
    ).scalars().all()  # fmt: skip
    assert shown == [unit]


def test_the_scan_is_idempotent(owner_url: str, app_db: Connection) -> None:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        unit = make_unit(conn, t)
        make_certificate(conn, t, TODAY - timedelta(days=3))
        make_certificate(conn, t, TODAY + timedelta(days=3))
        make_equipment(conn, t, unit, next_inspection_on=TODAY - timedelta(days=2),
                       end_of_life_on=TODAY + timedelta(days=10))  # fmt: skip

    def snapshot() -> list[tuple[object, ...]]:
        return [
            tuple(r)
            for r in app_db.execute(
                text("select id, kind, severity, raised_at, resolved_at, due_on from alarm"
                     " where tenant_id = :t order by id"), {"t": t},
            ).all()
        ]  # fmt: skip

    run_scan(app_db)
    first = snapshot()
    assert len(first) == 4
    as_principal(app_db, SYSTEM)
    again = scan(Session(bind=app_db), TODAY)
    assert snapshot() == first
    # Nothing raised or resolved anywhere on the second run (every tenant's data is current).
    assert again.raised == 0 and again.resolved == 0


def test_renewal_and_inspection_resolve_their_alarms(owner_url: str, app_db: Connection) -> None:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        unit = make_unit(conn, t)
        cert = make_certificate(conn, t, TODAY - timedelta(days=2))
        soon = make_certificate(conn, t, TODAY + timedelta(days=5))
        crane = make_equipment(conn, t, unit, next_inspection_on=TODAY - timedelta(days=1))
        scrapped = make_equipment(conn, t, unit, end_of_life_on=TODAY - timedelta(days=1))
    run_scan(app_db)
    assert alarms_of(app_db, "certificate", cert) == {("certificate_expired", "alarm", True)}
    with committed(owner_url) as conn:
        conn.execute(text("update certificate set expires_on = :d where id = :i"),
                     {"d": TODAY + timedelta(days=365 * 3), "i": cert})  # fmt: skip
        conn.execute(text("update equipment set last_inspected_on = :l, next_inspection_on = :n"
                          " where id = :i"),
                     {"l": TODAY, "n": TODAY + timedelta(days=365), "i": crane})  # fmt: skip
        conn.execute(
            text("update equipment set status = 'scrapped' where id = :i"), {"i": scrapped}
        )
    run_scan(app_db)
    assert alarms_of(app_db, "certificate", cert) == {("certificate_expired", "alarm", False)}
    assert alarms_of(app_db, "equipment", crane) == {("inspection_overdue", "alarm", False)}
    assert alarms_of(app_db, "equipment", scrapped) == {("end_of_life", "alarm", False)}
    # The reminder of a certificate that then expires is replaced by the alarm.
    run_scan(app_db, TODAY + timedelta(days=6))
    assert alarms_of(app_db, "certificate", soon) == {
        ("certificate_expiring", "reminder", False),
        ("certificate_expired", "alarm", True),
    }


def test_an_acknowledged_reminder_stays_quiet_until_the_next_cycle(
    owner_url: str, app_db: Connection
) -> None:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        company(conn, t)
        cert = make_certificate(conn, t, TODAY + timedelta(days=10))
    run_scan(app_db)
    app_db.execute(
        text("update alarm set resolved_at = now() where subject_table = 'certificate'"
             " and subject_id = :i"), {"i": cert},
    )  # fmt: skip
    run_scan(app_db, TODAY + timedelta(days=1))
    assert alarms_of(app_db, "certificate", cert) == {("certificate_expiring", "reminder", False)}
    # Renewed for a year: 30 days before the new date, the same reminder opens again.
    with committed(owner_url) as conn:
        conn.execute(text("update certificate set expires_on = :d where id = :i"),
                     {"d": TODAY + timedelta(days=375), "i": cert})  # fmt: skip
    run_scan(app_db, TODAY + timedelta(days=350))
    row = app_db.execute(
        text("select resolved_at, due_on from alarm where subject_table = 'certificate'"
             " and subject_id = :i"), {"i": cert},
    ).one()  # fmt: skip
    assert row.resolved_at is None and row.due_on == TODAY + timedelta(days=375)


def test_the_scan_runs_as_the_scheduled_actor(owner_url: str) -> None:
    """The actor is registered as a daily periodic job of the system principal."""
    from anwang.tenants.reminders import tasks

    actor = tasks.scan_due_dates
    assert actor.run_as == SYSTEM
    assert actor.actor_name == "reminders.scan"
    assert "periodic" in actor.options
