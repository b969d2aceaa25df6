"""Entry points of the background processes: the Dramatiq worker and the periodiq scheduler."""

from __future__ import annotations

import importlib
import logging
import signal
import time

import dramatiq
import psycopg
from dramatiq.cli import LOGFORMAT, make_argument_parser
from dramatiq.cli import main as dramatiq_main
from periodiq import Scheduler, print_periodic_actors

from anwang.platform.jobs import close_broker, setup_broker

logger = logging.getLogger("anwang.scheduler")

# Every module that declares actors; a domain adds its tasks module here.
ACTOR_MODULES: tuple[str, ...] = (
    "anwang.platform.identity.tasks",
    "anwang.tenants.checks.tasks",
    "anwang.tenants.hazards.tasks",
    "anwang.tenants.reminders.tasks",
    "anwang.supervision.tasks",
)

# One scheduler per deployment: it holds this session-level advisory lock for its lifetime.
SCHEDULER_LOCK = "anwang.scheduler"

# Ctrl-C waits this long for running jobs before the worker gives up on them; they are
# idempotent and redelivered, so a short wait is safe and keeps `anwang demo` snappy.
SHUTDOWN_TIMEOUT_MS = 10_000


def run_worker(processes: int = 1, threads: int = 4) -> int:
    """Run Dramatiq's worker on every queue of ACTOR_MODULES until SIGINT/SIGTERM.

    Dramatiq's own CLI supervises the processes: it forks them before any broker exists (each
    builds its own via `setup_broker`, so no connection crosses a fork), forwards Ctrl-C as
    SIGTERM, lets running jobs finish and returns its exit code.
    """
    args = make_argument_parser().parse_args(
        [
            "anwang.platform.jobs:setup_broker",
            *ACTOR_MODULES,
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--worker-shutdown-timeout",
            str(SHUTDOWN_TIMEOUT_MS),
            # Keep the repository root off sys.path (see docs/DECISIONS.md on platform/).
            "--path",
        ]
    )
    return int(dramatiq_main(args))


def scheduled_actors(broker: dramatiq.Broker) -> list[dramatiq.Actor[..., object]]:
    """The periodic actors of ACTOR_MODULES, declared on `broker`."""
    for module in ACTOR_MODULES:
        importlib.import_module(module)
    return [a for a in broker.actors.values() if "periodic" in a.options]


def acquire_scheduler_lock(database_url: str) -> psycopg.Connection[object] | None:
    """A connection holding the scheduler lock, or None when another scheduler holds it.

    PostgreSQL releases a session lock only when its connection ends, so a crashed
    scheduler frees the place for the next one."""
    conn = psycopg.connect(
        database_url, autocommit=True, application_name="anwang-scheduler", keepalives=1
    )
    locked = conn.execute("select pg_try_advisory_lock(hashtext(%s))", (SCHEDULER_LOCK,)).fetchone()
    if locked and locked[0]:
        return conn
    conn.close()
    return None


def catch_up(actors: list[dramatiq.Actor[..., object]]) -> None:
    """Send every periodic actor once, now. They are idempotent by contract, so this only brings
    the data up to the present after a stop: today's inspection tasks, overdue alarms and due
    reminders exist as soon as the scheduler starts, not at each job's next cron time."""
    for actor in actors:
        actor.send()


class LockedScheduler(Scheduler):
    """Before each round, checks that the lock's connection (hence the lock) is still alive."""

    def __init__(self, actors: list[dramatiq.Actor[..., object]], lock: psycopg.Connection[object]):
        super().__init__(actors)
        self.lock = lock

    def send_actors(self, actors: list[dramatiq.Actor[..., object]], now: object) -> None:
        self.lock.execute("select 1")
        super().send_actors(actors, now)


def run_scheduler() -> int:
    """Send every periodic actor on its cron until SIGINT/SIGTERM; 1 if another one runs.

    A process entry point: it takes over SIGINT, SIGTERM and SIGALRM."""
    from anwang.platform.db import owner_url, to_libpq_url

    logging.basicConfig(level=logging.INFO, format=LOGFORMAT)
    lock = acquire_scheduler_lock(to_libpq_url(owner_url()))
    if lock is None:
        logger.error("另一个调度进程正在运行（每个部署只能有一个），本进程退出")
        return 1
    # SIGTERM (the demo, a service manager) stops like Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    code = 0
    try:
        actors = scheduled_actors(setup_broker())
        if not actors:
            logger.error("没有需要定时执行的任务")
            return 1
        print_periodic_actors(actors)
        catch_up(actors)
        scheduler = LockedScheduler(actors, lock)
        if time.localtime().tm_sec > 55:  # as periodiq does: start on a whole minute
            time.sleep(60 - time.localtime().tm_sec)
        scheduler.schedule()
        scheduler.loop()
    except KeyboardInterrupt:
        logger.info("Scheduler stopped.")
    except psycopg.OperationalError:
        # Without its connection the lock may already be someone else's: stop, be restarted.
        logger.exception("调度锁的数据库连接已断开，本进程退出")
        code = 1
    finally:
        # A second Ctrl-C or SIGTERM (Ctrl-C under `anwang demo` brings both) must not cut the
        # clean-up short. The process is ending, so the handlers are not restored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.alarm(0)
        lock.close()
        close_broker()
    return code
