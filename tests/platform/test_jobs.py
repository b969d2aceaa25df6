"""Background jobs: principal-carrying actors through real brokers and a real worker,
sending after commit only, the hourly purge, and the scheduler's wiring and lock."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import psycopg
import pytest
from periodiq import cron
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform import jobs
from anwang.platform.db import app_url, principal_session, to_libpq_url, to_sqlalchemy_url
from anwang.platform.identity.tasks import purge_expired
from anwang.platform.principal import AUTH, Principal
from anwang.platform.worker import (
    LockedScheduler,
    acquire_scheduler_lock,
    catch_up,
    run_scheduler,
    scheduled_actors,
)
from tests.aio import run_async

BROKER_URLS = {
    "redis": "redis://127.0.0.1:6379/15",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "postgres": "",  # the embedded default: a queue table in the database in use
}
# A queue of this run only, so that no other worker on these servers takes our messages.
QUEUE = f"jobstest_{uuid.uuid4().hex[:10]}"
_seen: queue.Queue[dict[str, Any]] = queue.Queue()


@jobs.tenant_actor("jobstest.whoami", queue_name=QUEUE, max_retries=0)
def whoami(session: Session, marker: str) -> None:
    row = session.execute(
        text(
            "select current_setting('anwang.tenant_id'), current_user::text,"
            " (select count(*) from enterprise)"
        )
    ).one()
    _seen.put({"marker": marker, "tenant_id": row[0], "user": row[1], "enterprises": row[2]})


class Recorder(dramatiq.Middleware):
    """Notes the id of every message the broker accepted."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: Any):
        self.sent.append(message.message_id)


def _drop_queue(broker: dramatiq.Broker) -> None:
    names = (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ")
    if hasattr(broker, "client"):  # Redis
        broker.flush(QUEUE)
        broker.client.zrem("dramatiq:__heartbeats__", broker.broker_id)
        broker.client.delete(
            *(f"dramatiq:{n}.msgs" for n in names), *(f"dramatiq:{n}" for n in names)
        )
    elif hasattr(broker, "channel"):  # RabbitMQ
        for name in names:
            broker.channel.queue_delete(name)
    else:  # PostgreSQL
        with broker.pool.connection() as conn:  # type: ignore[attr-defined]
            conn.execute("delete from dramatiq.queue where queue_name like %s", (f"{QUEUE}%",))


@pytest.fixture
def broker(request: pytest.FixtureRequest, owner_url: str) -> Iterator[dramatiq.Broker]:
    jobs.close_broker()
    b = jobs.setup_broker(BROKER_URLS[request.param])
    yield b
    _drop_queue(b)
    jobs.close_broker()


@pytest.fixture(scope="module")
def tenant_id(owner_url: str) -> int:
    with psycopg.connect(owner_url) as c:
        row = c.execute("select min(id) from enterprise where kind = 'enterprise'").fetchone()
    assert row and row[0]
    return int(row[0])


@pytest.mark.broker
@pytest.mark.parametrize("broker", list(BROKER_URLS), indirect=True)
def test_job_runs_as_the_principal_of_its_message(broker: dramatiq.Broker, tenant_id: int):
    boss = Principal(kind="enterprise", user_id=None, role="boss", tenant_id=tenant_id)
    marker = uuid.uuid4().hex
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        whoami.send_as(boss, marker=marker)
        seen = _seen.get(timeout=15)
    finally:
        worker.stop()
    assert seen == {
        "marker": marker,
        "tenant_id": str(tenant_id),
        "user": "anwang_enterprise",
        "enterprises": 1,  # RLS: the tenant sees its own row only
    }


@pytest.fixture
def recorder(broker: dramatiq.Broker) -> Recorder:
    r = Recorder()
    broker.add_middleware(r)
    return r


@pytest.mark.broker
@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_enqueue_after_commit_sends_on_commit_only(recorder: Recorder, tenant_id: int):
    boss = Principal(kind="enterprise", role="boss", tenant_id=tenant_id)

    with principal_session(boss) as s:
        committed = jobs.enqueue_after_commit(s, whoami, boss, marker="commit")
        assert recorder.sent == []  # not before the commit
    assert recorder.sent == [committed.message_id]

    with pytest.raises(RuntimeError), principal_session(boss) as s:
        jobs.enqueue_after_commit(s, whoami, boss, marker="rollback")
        raise RuntimeError
    assert recorder.sent == [committed.message_id]

    # A rolled-back savepoint drops its own jobs; the outer commit sends the rest.
    with principal_session(boss) as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            jobs.enqueue_after_commit(s, whoami, boss, marker="savepoint")
            raise RuntimeError
        kept = jobs.enqueue_after_commit(s, whoami, boss, marker="outer")
    assert recorder.sent == [committed.message_id, kept.message_id]

    # A rollback forgets the job for good: the next commit of the same session sends nothing.
    with Session(bind=None) as s:
        jobs.enqueue_after_commit(s, whoami, boss, marker="forgotten")
        s.rollback()
        s.commit()
    assert recorder.sent == [committed.message_id, kept.message_id]


@pytest.mark.broker
@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_enqueue_after_commit_on_an_async_session(recorder: Recorder, tenant_id: int):
    boss = Principal(kind="enterprise", role="boss", tenant_id=tenant_id)

    async def scenario() -> tuple[list[str], list[str], str]:
        engine = create_async_engine(to_sqlalchemy_url(app_url()))
        try:
            async with AsyncSession(engine) as db:
                db.sync_session.info["principal"] = boss
                await db.execute(text("select 1"))
                jobs.enqueue_after_commit(db, whoami, boss, marker="async-rollback")
                await db.rollback()
                after_rollback = list(recorder.sent)
                await db.execute(text("select 1"))
                msg = jobs.enqueue_after_commit(db, whoami, boss, marker="async-commit")
                before_commit = list(recorder.sent)
                await db.commit()
        finally:
            await engine.dispose()
        return after_rollback, before_commit, msg.message_id

    after_rollback, before_commit, message_id = run_async(scenario())
    assert after_rollback == before_commit == []
    assert recorder.sent == [message_id]


def test_purge_expired_deletes_expired_rows_and_keeps_live_ones(owner_url: str):
    tag = f"jobstest-{uuid.uuid4().hex[:10]}"
    with principal_session(AUTH) as s:
        user_id = s.execute(text("select min(id) from app_user")).scalar_one()
        for table in ("web_session", "api_token"):
            s.execute(
                text(
                    f"insert into {table} (id, user_id, membership, expires_at) values"
                    " (:old, :u, 'jobstest', now() - interval '1 minute'),"
                    " (:live, :u, 'jobstest', now() + interval '1 hour')"
                ),
                {"old": f"{tag}-old", "live": f"{tag}-live", "u": user_id},
            )
        s.execute(
            text(
                "insert into login_attempt (username, ip, at, succeeded) values"
                " (:n, '127.0.0.1', now() - interval '25 hours', false),"
                " (:n, '127.0.0.1', now() - interval '1 hour', false)"
            ),
            {"n": tag},
        )

    try:
        first = purge_expired.call_as(AUTH)
        assert all(first[t] >= 1 for t in ("web_session", "api_token", "login_attempt"))
        assert purge_expired.call_as(AUTH) == {"web_session": 0, "api_token": 0, "login_attempt": 0}
        with principal_session(AUTH) as s:
            left = {
                table: s.execute(
                    text(f"select {col} from {table} where {key} like :t"), {"t": f"{tag}%"}
                )
                .scalars()
                .all()
                for table, key, col in (
                    ("web_session", "id", "id"),
                    ("api_token", "id", "id"),
                    ("login_attempt", "username", "at > now() - interval '1 day'"),
                )
            }
        assert left == {
            "web_session": [f"{tag}-live"],
            "api_token": [f"{tag}-live"],
            "login_attempt": [True],
        }
    finally:
        with principal_session(AUTH) as s:
            for table in ("web_session", "api_token"):
                s.execute(text(f"delete from {table} where id like :t"), {"t": f"{tag}%"})
            s.execute(text("delete from login_attempt where username = :t"), {"t": tag})


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_scheduler_schedules_the_hourly_purge(broker: dramatiq.Broker):
    periodic = {a.actor_name: a.options["periodic"] for a in scheduled_actors(broker)}
    assert periodic["identity.purge_expired"] == cron("7 * * * *")
    assert str(periodic["identity.purge_expired"]) == "7 * * * *"


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_scheduler_sends_every_periodic_job_once_at_start(broker: dramatiq.Broker):
    actors = scheduled_actors(broker)
    names = {a.actor_name for a in actors}
    assert {"checks.generate_tasks", "hazards.escalate_overdue", "reminders.scan"} <= names
    sent: list[str] = []

    class Names(dramatiq.Middleware):
        def after_enqueue(self, broker: dramatiq.Broker, message: Any, delay: Any) -> None:
            sent.append(message.actor_name)

    broker.add_middleware(Names())
    try:
        catch_up(actors)
    finally:
        for queue_name in {a.queue_name for a in actors}:
            broker.flush(queue_name)  # type: ignore[attr-defined]
    assert sorted(sent) == sorted(names)


def test_only_one_scheduler_holds_the_lock(owner_url: str):
    url = to_libpq_url(owner_url)
    first = acquire_scheduler_lock(url)
    assert first is not None
    try:
        assert acquire_scheduler_lock(url) is None
        assert run_scheduler() == 1  # refuses to start beside the running one
    finally:
        first.close()
    again = acquire_scheduler_lock(url)
    assert again is not None
    again.close()


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_scheduler_stops_sending_when_its_lock_is_lost(broker: dramatiq.Broker, owner_url: str):
    lock = acquire_scheduler_lock(to_libpq_url(owner_url))
    assert lock is not None
    scheduler = LockedScheduler(scheduled_actors(broker), lock)
    with psycopg.connect(owner_url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", (lock.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError):
        scheduler.send_actors([], now=None)
    lock.close()


def _start(code: str, ready: str, extra_env: dict[str, str]) -> subprocess.Popen[str]:
    """Runs `code` in a fresh interpreter and waits for `ready` in its log."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **extra_env},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    log = []
    for line in proc.stderr:
        log.append(line)
        if ready in line:
            return proc
    proc.wait(timeout=10)
    raise AssertionError("".join(log))


@pytest.mark.broker
@pytest.mark.parametrize(
    ("code", "ready", "sig"),
    [
        (
            "from anwang.platform.worker import run_worker; raise SystemExit(run_worker(1, 1))",
            "Worker process is ready for action",
            signal.SIGINT,
        ),
        (
            "from anwang.platform.worker import run_scheduler; raise SystemExit(run_scheduler())",
            "identity.purge_expired",
            signal.SIGTERM,
        ),
    ],
    ids=["worker", "scheduler"],
)
def test_entry_points_stop_cleanly(owner_url: str, code: str, ready: str, sig: signal.Signals):
    # The default broker: its queue lives in the test database, which the run drops.
    proc = _start(code, ready, {"ANWANG_BROKER_URL": ""})
    proc.send_signal(sig)
    try:
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stderr is not None
        proc.stderr.close()


def test_importing_actors_connects_nowhere():
    # Unreachable servers: importing must still succeed and leave the broker unset.
    code = (
        "import anwang.platform.identity.tasks, anwang.platform.worker\n"
        "from anwang.platform import jobs\n"
        "assert jobs._broker is None\n"
    )
    env = {
        **os.environ,
        "ANWANG_BROKER_URL": "amqp://nobody@127.0.0.1:9/",
        "ANWANG_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
