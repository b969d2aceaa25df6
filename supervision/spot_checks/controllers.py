"""HTTP API of online spot checks at `/api/v1/spot-checks`: drawing, the draw and its
verification, the review of one sampled enterprise, verdicts, publication, the published list,
and an enterprise's own published results (`/mine`). Thin: the service holds the rules."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.supervision.spot_checks import repository, service
from anwang.supervision.spot_checks.models import SpotCheck
from anwang.supervision.spot_checks.schemas import (
    CheckerRead,
    Criteria,
    DrawRecord,
    FindingCreate,
    FindingRead,
    MyResult,
    PopulationPreview,
    PublishedResult,
    ReviewRead,
    SpotCheckCreate,
    SpotCheckDetail,
    SpotCheckRead,
    TargetRead,
    VerdictCreate,
    VerificationRead,
)
from anwang.supervision.vocabulary import SPOT_CHECK_STATUSES, SPOT_CHECK_VERDICTS

# Government users of the jurisdiction and sector departments read (RLS decides which draws);
# the service decides who draws and who records.
READERS = require("gov", "sector")
ENTERPRISE = require("enterprise")


def spot_check_read(sc: SpotCheck, facts: Any) -> SpotCheckRead:
    return SpotCheckRead(
        id=sc.id or 0,
        title=sc.title,
        gov_body_id=sc.gov_body_id,
        jurisdiction_id=sc.jurisdiction_id,
        jurisdiction_name=str(facts["jurisdiction_name"]) if facts else "",
        sector=sc.sector,
        criteria=sc.criteria,
        population_size=len(sc.population_ids),
        sample_size=sc.sample_size,
        seed=str(sc.seed),
        algorithm=sc.algorithm,
        review_from=sc.review_from,
        review_to=sc.review_to,
        status=sc.status,
        drawn_by=sc.drawn_by,
        drawn_by_name=str(facts["drawn_by_name"] or "") if facts else "",
        drawn_at=sc.drawn_at,
        finished_at=sc.finished_at,
        published_at=sc.published_at,
        reviewed=int(facts["reviewed"]) if facts else 0,
        checker_pool=list(sc.checker_pool),
    )


def target_read(r: Any) -> TargetRead:
    return TargetRead(
        tenant_id=int(r["tenant_id"]),
        position=int(r["position"]),
        name=str(r["name"]),
        credit_code=str(r["credit_code"]),
        place=str(r["place"]),
        checker_user_id=r["checker_user_id"],
        checker_name=str(r["checker_name"]),
        verdict=r["verdict"],
        summary=str(r["summary"]),
        reviewed_at=r["reviewed_at"],
        findings=int(r["findings"]),
        failed_findings=int(r["failed_findings"]),
    )


async def detail(db: AsyncSession, p: Principal, spot_check_id: int) -> SpotCheckDetail:
    sc = await service.get(db, spot_check_id)
    facts = await repository.draw_facts(db, spot_check_id, p.user_id)
    rows = await repository.targets(db, spot_check_id)
    return SpotCheckDetail(
        **spot_check_read(sc, facts).model_dump(), targets=[target_read(r) for r in rows]
    )


async def draw_record(db: AsyncSession, spot_check_id: int) -> DrawRecord:
    sc = await service.get(db, spot_check_id)
    return DrawRecord(
        algorithm=sc.algorithm,
        seed=str(sc.seed),
        sample_size=sc.sample_size,
        population_ids=list(sc.population_ids),
        checker_pool=list(sc.checker_pool),
        targets=await repository.stored_targets(db, spot_check_id),
    )


def _status(value: str | None) -> str | None:
    if value and value not in SPOT_CHECK_STATUSES:
        raise DomainError(f"未知的抽查状态：{value}", field="status")
    return value or None


class SpotCheckController(Controller):
    path = "/api/v1/spot-checks"
    tags = ["spot-checks"]

    @get("/", guards=[READERS])
    async def list_draws(
        self,
        request: Req,
        db: Db,
        draw_status: Annotated[
            str | None, QueryParameter(name="status", description="reviewing | done | published")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[SpotCheckRead]:
        """The draws the caller may see, newest first."""
        _, rows = await repository.list_draws(
            db, request.user.user_id, status=_status(draw_status), limit=limit, offset=offset
        )
        out = []
        for r in rows:
            sc = await service.get(db, int(r["id"]))
            out.append(spot_check_read(sc, r))
        return out

    @post("/population", guards=[READERS], status_code=200)
    async def population(self, request: Req, db: Db, data: JSONBody[Criteria]) -> PopulationPreview:
        """How many active enterprises the filters select, and who can be drawn as checker."""
        _, size = await service.population(db, request.user, data)
        checkers = await service.checker_candidates(db, request.user)
        return PopulationPreview(
            size=size,
            checkers=[CheckerRead(user_id=c.user_id, name=c.name, role=c.role) for c in checkers],
        )

    @post("/", guards=[READERS], status_code=201)
    async def draw(self, request: Req, db: Db, data: JSONBody[SpotCheckCreate]) -> SpotCheckDetail:
        """Draw a sample of enterprises and a checker for each (双随机). The seed is drawn from
        the operating system's secure source unless given; the population's ids, the checker
        pool, the seed and the algorithm are stored so that anyone can redo the draw."""
        sc = await service.draw(db, request.user, data)
        return await detail(db, request.user, sc.id or 0)

    @get("/{spot_check_id:int}", guards=[READERS])
    async def get_draw(self, request: Req, db: Db, spot_check_id: FromPath[int]) -> SpotCheckDetail:
        """One draw with its sampled enterprises, checkers and verdicts."""
        return await detail(db, request.user, spot_check_id)

    @get("/{spot_check_id:int}/draw", guards=[READERS])
    async def draw_record(self, db: Db, spot_check_id: FromPath[int]) -> DrawRecord:
        """What the draw was made from (population ids ascending, checker pool, seed,
        algorithm) and its stored outcome: enough to redo it independently."""
        return await draw_record(db, spot_check_id)

    @get("/{spot_check_id:int}/verify", guards=[READERS])
    async def verify(self, db: Db, spot_check_id: FromPath[int]) -> VerificationRead:
        """Redo the draw from the stored population, seed and size and compare."""
        sc = await service.get(db, spot_check_id)
        v = await service.verify(db, spot_check_id)
        return VerificationRead(
            ok=v.ok,
            algorithm=sc.algorithm,
            seed=str(sc.seed),
            population_size=len(sc.population_ids),
            sample_size=sc.sample_size,
            mismatches=list(v.mismatches),
            reason=v.reason,
        )

    @get("/{spot_check_id:int}/targets/{tenant_id:int}", guards=[READERS])
    async def review(
        self, request: Req, db: Db, spot_check_id: FromPath[int], tenant_id: FromPath[int]
    ) -> ReviewRead:
        """One sampled enterprise: its records of the review period and the verdicts so far."""
        sc = await service.get(db, spot_check_id)
        target = await service.get_target(db, sc, tenant_id)
        row = next(
            r for r in await repository.targets(db, spot_check_id) if r["tenant_id"] == tenant_id
        )
        records = await service.review(db, sc, tenant_id)
        found = await repository.findings(db, spot_check_id, tenant_id)
        return ReviewRead(
            spot_check_id=spot_check_id,
            target=target_read(row),
            self_checks=records.self_checks,
            hazards=records.hazards,
            daily_duties=records.daily_duties,
            findings=[FindingRead.model_validate(f) for f in found],
            can_record=service.may_record(request.user, sc, target),
        )

    @post(
        "/{spot_check_id:int}/targets/{tenant_id:int}/findings", guards=[READERS], status_code=200
    )
    async def record_finding(
        self,
        request: Req,
        db: Db,
        spot_check_id: FromPath[int],
        tenant_id: FromPath[int],
        data: JSONBody[FindingCreate],
    ) -> FindingRead:
        """Record a verdict on one reviewed record; a failure may open a hazard
        (`action='hazard'`) or a supervision order (`action='order'`)."""
        f = await service.record_finding(db, request.user, spot_check_id, tenant_id, data)
        return FindingRead.model_validate(f)

    @post("/{spot_check_id:int}/targets/{tenant_id:int}/verdict", guards=[READERS], status_code=200)
    async def record_verdict(
        self,
        request: Req,
        db: Db,
        spot_check_id: FromPath[int],
        tenant_id: FromPath[int],
        data: JSONBody[VerdictCreate],
    ) -> TargetRead:
        """The overall verdict on one enterprise; the last one marks the draw done."""
        await service.record_verdict(db, request.user, spot_check_id, tenant_id, data)
        row = next(
            r for r in await repository.targets(db, spot_check_id) if r["tenant_id"] == tenant_id
        )
        return target_read(row)

    @post("/{spot_check_id:int}/publish", guards=[READERS], status_code=200)
    async def publish(self, request: Req, db: Db, spot_check_id: FromPath[int]) -> SpotCheckRead:
        """Publish the results (every enterprise must have its verdict)."""
        sc = await service.publish(db, request.user, spot_check_id)
        return spot_check_read(sc, await repository.draw_facts(db, spot_check_id, None))

    @get("/published", guards=[READERS])
    async def published(
        self,
        db: Db,
        spot_check_id: Annotated[int | None, QueryParameter(ge=1)] = None,
        verdict: Annotated[str | None, QueryParameter(description="pass | fail")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[PublishedResult]:
        """Published results, one row per sampled enterprise, newest draw first."""
        if verdict and verdict not in SPOT_CHECK_VERDICTS:
            raise DomainError(f"未知的检查结论：{verdict}", field="verdict")
        _, rows = await repository.published_results(
            db, spot_check_id=spot_check_id, verdict=verdict, limit=limit, offset=offset
        )
        return [PublishedResult.model_validate(dict(r)) for r in rows]

    @get("/mine", guards=[ENTERPRISE])
    async def mine(self, request: Req, db: Db) -> list[MyResult]:
        """The calling enterprise's published spot-check results and the verdicts on its
        records (results appear only once published)."""
        return [MyResult.model_validate(r) for r in await service.mine(db, request.user)]


routes: list[Any] = [SpotCheckController]
