"""Background jobs: the Dramatiq broker of this process, and actors that run as the principal
carried in their message, enqueued only after the transaction that asked for them commits.

Late binding. `dramatiq.actor` binds an actor to the global broker when the decorator runs,
so a module declaring actors would have to build the broker on import, and building ours may
mean reading settings, starting the embedded PostgreSQL and opening connections: the web
process, the CLI and the tests import actor modules long before (or without) needing a broker.
`tenant_actor` therefore only records the actor in a registry; `setup_broker()` builds the
broker once per process, makes it Dramatiq's global broker and declares every recorded actor
on it (actors recorded later are declared at once). Sending goes through `get_broker()`, so the
first send sets the broker up; importing never connects anywhere. Tests pick a broker with
`close_broker()` then `setup_broker(url)`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq import Broker, Message
from periodiq import PeriodiqMiddleware
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from anwang.platform.principal import Principal
from anwang.platform.settings import get_settings

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_broker: Broker | None = None
_broker_url: str | None = None
_actors: dict[str, TenantActor] = {}


class MissingPrincipal(Exception):
    """A message without a principal for an actor without `run_as`: a bug, never retried."""


def _build_broker(url: str) -> Broker:
    broker: Broker
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    elif url == "" or url.startswith(("postgresql://", "postgres://")):
        broker = _postgres_broker(url)
    else:
        raise ValueError(f"ANWANG_BROKER_URL 不支持的协议：{url!r}（redis://、amqp:// 或留空）")
    # Every broker carries the same middleware, so actor options mean the same everywhere.
    broker.add_middleware(PeriodiqMiddleware())
    return broker


def _postgres_broker(url: str) -> Broker:
    """The embedded default: a queue table inside the database in use, created if missing."""
    import psycopg
    from dramatiq_postgres import PostgresBroker
    from dramatiq_postgres.schema import init

    from anwang.platform.db import owner_url, to_libpq_url

    url = to_libpq_url(url or owner_url())
    # `init` serializes concurrent starters on an advisory lock and creates only what is missing.
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        init(cur)
    # No results backend, as on the other brokers (see TenantActor.declare).
    return PostgresBroker(url=url, results=False)


def setup_broker(url: str | None = None) -> Broker:
    """Build this process's broker (from ANWANG_BROKER_URL unless `url` is given), make it
    Dramatiq's global broker and declare every actor on it. Later calls return the same one."""
    global _broker, _broker_url
    wanted = get_settings().broker_url if url is None else url
    with _lock:
        if _broker is not None:
            if url is not None and url != _broker_url:
                raise RuntimeError(f"broker already set up for {_broker_url!r}")
            return _broker
        broker = _build_broker(wanted)
        dramatiq.set_broker(broker)
        for actor in _actors.values():
            actor.declare(broker)
        _broker, _broker_url = broker, wanted
        return broker


def get_broker() -> Broker:
    return setup_broker()


def close_broker() -> None:
    """Close and forget the broker; the next `setup_broker()` builds a new one."""
    global _broker, _broker_url
    with _lock:
        if _broker is None:
            return
        _broker.close()
        client = getattr(_broker, "client", None)  # RedisBroker keeps its pool open otherwise
        if client is not None:
            client.close()
        _broker, _broker_url = None, None


class TenantActor:
    """An actor whose function runs in a sync session as the principal of its message."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        actor_name: str,
        queue_name: str,
        priority: int,
        run_as: Principal | None,
        options: dict[str, Any],
    ) -> None:
        if "." not in actor_name:
            raise ValueError(f"job names are 'domain.event', not {actor_name!r}")
        if "periodic" in options and run_as is None:
            raise ValueError(f"{actor_name}: the scheduler sends no principal; give run_as")
        self.fn = fn
        self.actor_name = actor_name
        self.queue_name = queue_name
        self.priority = priority
        self.run_as = run_as
        if "principal" in inspect.signature(fn).parameters:
            raise ValueError(f"{actor_name}: 'principal' is the message's own argument")
        throws = options.get("throws", ())
        throws = throws if isinstance(throws, tuple) else (throws,)
        self.options = {**options, "throws": (MissingPrincipal, *throws)}
        with _lock:
            if actor_name in _actors:
                raise ValueError(f"an actor named {actor_name!r} is already declared")
            _actors[actor_name] = self
            if _broker is not None:
                self.declare(_broker)

    def declare(self, broker: Broker) -> dramatiq.Actor[..., Any]:
        """Bind to `broker` (done by `setup_broker`)."""

        # Named like the real function for logs and periodiq. Returns nothing: there is no
        # results backend, and a job's outcome lives in the database.
        @functools.wraps(self.fn)
        def run(principal: dict[str, Any] | None = None, **kwargs: Any) -> None:
            self._run(principal, **kwargs)

        return dramatiq.actor(
            broker=broker,
            actor_name=self.actor_name,
            queue_name=self.queue_name,
            priority=self.priority,
            **self.options,
        )(run)

    def _run(self, principal: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        from anwang.platform.db import principal_session

        who = Principal.from_message(principal) if principal is not None else self.run_as
        if who is None:
            raise MissingPrincipal(self.actor_name)
        with principal_session(who) as session:
            return self.fn(session, **kwargs)

    @property
    def actor(self) -> dramatiq.Actor[..., Any]:
        """The Dramatiq actor on this process's broker."""
        return get_broker().get_actor(self.actor_name)

    def message_as(self, principal: Principal, **kwargs: Any) -> Message[Any]:
        message: Message[Any] = Message(
            queue_name=self.queue_name,
            actor_name=self.actor_name,
            args=(),
            kwargs={"principal": principal.to_message(), **kwargs},
            options={},
        )
        message.encode()  # unserializable arguments fail here, before any commit
        return message

    def send_as(self, principal: Principal, **kwargs: Any) -> Message[Any]:
        """Enqueue now. Inside a transaction, use `enqueue_after_commit` instead."""
        return get_broker().enqueue(self.message_as(principal, **kwargs))

    def send(self, **kwargs: Any) -> Message[Any]:
        """Enqueue an actor declared with `run_as` (its message carries no principal)."""
        if self.run_as is None:
            raise MissingPrincipal(f"{self.actor_name}: use send_as(principal, ...)")
        return self.actor.send(**kwargs)

    def call_as(self, principal: Principal, **kwargs: Any) -> Any:
        """Run right here, as a worker would (for tests and the shell)."""
        return self._run(principal.to_message(), **kwargs)

    def __repr__(self) -> str:
        return f"TenantActor({self.actor_name!r}, queue_name={self.queue_name!r})"


def tenant_actor(
    actor_name: str,
    *,
    queue_name: str = "default",
    priority: int = 0,
    run_as: Principal | None = None,
    **options: Any,
) -> Callable[[Callable[..., Any]], TenantActor]:
    """Declare `fn(session, **kwargs)` as the job `actor_name` ("domain.event").

    The worker rebuilds the principal from the message and calls `fn` inside
    `principal_session(principal)`: RLS applies as for the request that sent it, and the
    session commits when `fn` returns. `run_as` is the principal of system jobs whose message
    carries none (periodic ones: the scheduler sends no arguments); a principal in the message
    wins. `principal` is reserved in `kwargs`. `options` are Dramatiq's (`max_retries`,
    `time_limit`, periodiq's `periodic=cron(...)`).

    Dramatiq delivers at least once, so `fn` must be idempotent: running it twice with the
    same arguments leaves the same state (delete-if-present, upsert, check-then-act under a
    row lock), and it re-reads the rows it needs rather than trusting values in the message.
    """

    def decorate(fn: Callable[..., Any]) -> TenantActor:
        return TenantActor(
            fn,
            actor_name=actor_name,
            queue_name=queue_name,
            priority=priority,
            run_as=run_as,
            options=options,
        )

    return decorate


def send_as(actor: TenantActor, principal: Principal, **kwargs: Any) -> Message[Any]:
    return actor.send_as(principal, **kwargs)


# --- enqueue after commit ---------------------------------------------------------------
# Pending messages live in session.info as (savepoint or None, message). The root commit
# sends them; a rollback drops those of the rolled-back savepoint, or all of them.
_PENDING = "anwang.jobs.pending"


def enqueue_after_commit(
    session: Session | AsyncSession, actor: TenantActor, principal: Principal, **kwargs: Any
) -> Message[Any]:
    """Send `actor` as `principal` once `session`'s transaction commits; never on rollback.

    Sending happens inside the commit call (for an AsyncSession, on the event loop: one
    short broker round trip per job). Bad arguments raise here, before the commit."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    message = actor.message_as(principal, **kwargs)
    if sync.get_transaction() is None:
        sync.begin()  # the job belongs to a transaction, so a rollback right away drops it
    sync.info.setdefault(_PENDING, []).append((sync.get_nested_transaction(), message))
    return message


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: its messages now wait for the outer commit
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    broker = get_broker()
    for _savepoint, message in pending:
        try:
            broker.enqueue(message)
        except Exception:
            # The data is committed and cannot be taken back; say loudly what was lost.
            logger.exception("job %s not sent after commit: %r", message.actor_name, message)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not previous.nested:
        session.info.pop(_PENDING)
        return
    session.info[_PENDING] = [(sp, m) for sp, m in pending if not _inside(sp, previous)]


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without commit (e.g. Session.close())
        session.info.pop(_PENDING, None)


def _inside(savepoint: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is outer:
            return True
        savepoint = savepoint.parent
    return False
