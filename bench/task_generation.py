"""Generating one day's inspection tasks 排查任务 for every tenant of the demo city, as the
scheduled job does it: `generate_due_tasks(session, at)` as the system principal, once for
each moment of the day at which a new period starts (every shift start and midnight), then the
whole day again to show the second run creates nothing.

The seeded database holds no task of the current periods, so the day before is generated
first (timed and shown as "prime": every weekly, monthly, quarterly and yearly task at once);
the measured day is then a steady one: its shift and daily tasks, plus the weekly, monthly …
ones only when the day starts such a period.

    .venv/bin/python -m bench.task_generation [--scale taicang|suzhou] [--url SERVER_URL]
                                              [--day 2026-11-24] [--fresh]
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anwang.platform.db import principal_session, to_sqlalchemy_url
from anwang.platform.principal import SYSTEM
from anwang.tenants.checks.generation import generate_due_tasks
from bench.rls_overhead import bench_arguments, bench_database, machine

CHINA = ZoneInfo("Asia/Shanghai")
# Period starts within one day: midnight (every frequency), and the shift starts of 2, 3 and 4
# shifts a day (6:00, 8:00, 12:00, 16:00, 18:00).
STARTS = (0, 6, 8, 12, 16, 18)


def run_day(engine: object, day: date) -> list[tuple[str, int, float]]:
    out = []
    for hour in STARTS:
        at = datetime(day.year, day.month, day.day, hour, tzinfo=CHINA) + timedelta(minutes=1)
        started = time.perf_counter()
        with principal_session(SYSTEM, engine) as session:  # type: ignore[arg-type]
            rows = generate_due_tasks(session, at)
        out.append((f"{at:%H:%M}", rows, time.perf_counter() - started))
    return out


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--day", type=date.fromisoformat, default=None,
                        help="the day to generate (default: the day after tomorrow, Beijing"
                             " time; the day before it is generated first)")  # fmt: skip
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the bench database")
    args = parser.parse_args()

    url = bench_database(args.url, args.scale, args.fresh)
    day = args.day or datetime.now(CHINA).date() + timedelta(days=2)
    owner = create_engine(to_sqlalchemy_url(url))
    with owner.begin() as c:
        # a re-run of the benchmark starts from the seeded state: no tasks of that day yet
        c.execute(
            text("delete from inspection_task where status = 'pending' and due_at > :a"),
            {"a": datetime(day.year, day.month, day.day, tzinfo=CHINA) - timedelta(days=1)},
        )
        lists = c.execute(
            text("select count(*), count(distinct tenant_id) from checklist where active")
        ).one()
        info = machine(c)
    owner.dispose()
    app = create_engine(
        to_sqlalchemy_url(make_url(url).set(username="anwang_app", password=None)
                          .render_as_string(hide_password=False))
    )  # fmt: skip
    prime = run_day(app, day - timedelta(days=1))
    first = run_day(app, day)
    second = run_day(app, day)
    app.dispose()
    total = sum(r for _, r, _ in first)
    seconds = sum(s for _, _, s in first)
    lines = [
        f"Command: `python -m bench.task_generation --scale {args.scale}`"
        f" ({lists[0]:,} active checklists of {lists[1]:,} tenants; day {day})",
        "",
        *info,
        "",
        "| run | moment (Beijing) | tasks created | seconds |",
        "|---|---|---:|---:|",
    ]
    lines.append(
        f"| prime (day before) | | {sum(r for _, r, _ in prime):,}"
        f" | {sum(s for _, _, s in prime):.2f} |"
    )
    for label, runs in (("first", first), ("second", second)):
        for at, rows, secs in runs:
            lines.append(f"| {label} | {at} | {rows:,} | {secs:.2f} |")
    lines.append(f"| first, whole day | | {total:,} | {seconds:.2f} |")
    lines.append(
        f"| second, whole day | | {sum(r for _, r, _ in second):,}"
        f" | {sum(s for _, _, s in second):.2f} |"
    )
    print("\n".join(lines))
    target = 5 if args.scale != "suzhou" else 60
    verdict = "within" if seconds < target else "MISSES"
    print(f"\nwhole day: {total:,} tasks in {seconds:.2f} s ({verdict} the {target} s target)")


if __name__ == "__main__":
    main()
