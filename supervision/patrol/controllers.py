"""The patrol API `/api/v1/patrol/...` (bearer tokens, like every /api path): the caller's
assignments, recording a visit (multipart, idempotent), reading one, the cycles with their
coverage, and the cycle-length rules. Thin: the service decides."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.datastructures import State, UploadFile
from litestar.exceptions import ClientException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from pydantic import ValidationError

from anwang.platform.attachments import service as attachments
from anwang.platform.attachments.controllers import read_upload_file
from anwang.platform.clock import today
from anwang.platform.errors import DomainError
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.supervision.patrol import repository, service
from anwang.supervision.patrol.schemas import (
    AssignmentRead,
    CycleRead,
    RuleRead,
    RuleSet,
    VisitCreate,
    VisitRead,
)
from anwang.supervision.patrol.service import Photo

# Who patrols (records visits) and who reads the patrol figures.
PATROLLERS = require("gov", "sector")
READERS = require("gov", "sector")
# A whole visit in one request: the tablet shrinks photos before sending, so this is room for
# a few dozen of them; each file is also held to the single-upload limit.
VISIT_BODY_LIMIT = 4 * attachments.MAX_UPLOAD_BYTES + 256 * 1024
KINDS = ("grid", "town", "sector")

Upload = Request[Principal, str, State]
Kind = Annotated[str, QueryParameter(pattern="^(grid|town|sector)$")]


class TooLarge(DomainError):
    status_code = 413


async def read_visit_upload(
    request: Upload,
) -> tuple[VisitCreate, list[Photo], dict[int, list[Photo]]]:
    """The multipart body of a visit: the JSON field `visit`, the files `photo` and
    `finding.<i>`. Refused with a Chinese message when too large or malformed."""
    length = request.headers.get("content-length", "")
    too_large = TooLarge(
        f"本次巡查的照片合计超过 {attachments.size_label(VISIT_BODY_LIMIT)}，请减少照片后重试",
        field="photos",
    )
    if length.isdigit() and int(length) > VISIT_BODY_LIMIT:
        raise too_large
    try:
        form = await request.form()
    except ClientException as e:
        if e.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            raise too_large from e
        raise DomainError("巡查记录格式不正确（需要 multipart 表单）", field="visit") from e
    raw = form.get("visit")
    if not isinstance(raw, str):
        raise DomainError("巡查记录缺少 visit 字段", field="visit")
    try:
        data = VisitCreate.model_validate_json(raw)
    except ValidationError as e:
        where = ".".join(str(x) for x in e.errors()[0]["loc"]) if e.errors() else "visit"
        raise DomainError(f"巡查记录格式不正确：{where}", field="visit") from e
    photos: list[Photo] = []
    findings: dict[int, list[Photo]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            continue
        shot = (await read_upload_file(value, "照片"), value.filename or "")
        if key == "photo":
            photos.append(shot)
        elif key.startswith("finding.") and key[8:].isdigit():
            findings.setdefault(int(key[8:]), []).append(shot)
        else:
            raise DomainError(f"无法识别的照片字段：{key}", field="photos")
    return data, photos, findings


def _assignment(r: Any) -> AssignmentRead:
    return AssignmentRead(
        id=r["id"],
        tenant_id=r["tenant_id"],
        enterprise_name=r["enterprise_name"],
        address=r["address"],
        lon=r["lon"],
        lat=r["lat"],
        cycle_id=r["cycle_id"],
        due_on=r["due_on"],
        status=r["status"],
        visited_on=r["visited_on"],
        visit_id=r["visit_id"],
    )


@get("/api/v1/patrol/assignments", guards=[PATROLLERS], tags=["patrol"])
async def my_assignments(
    request: Upload, db: Db, on: Annotated[date | None, QueryParameter()] = None
) -> list[AssignmentRead]:
    """The caller's assignments in the cycles containing `on` (today in Beijing when
    omitted), by planned day."""
    rows = await repository.my_assignments(db, request.user.user_id or 0, on or today())
    return [_assignment(r) for r in rows]


@post(
    "/api/v1/patrol/visits",
    guards=[PATROLLERS],
    request_max_body_size=VISIT_BODY_LIMIT,
    tags=["patrol"],
)
async def record_visit(request: Upload, db: Db) -> Response[VisitRead]:
    """Record a visit: multipart/form-data with the JSON field `visit` (VisitCreate), the
    visit's photos as files `photo` and each finding's photos as files `finding.<i>`.
    201 when stored; 200 with the stored visit when the same `idempotency_key` was sent
    before (a retry after a lost answer); 409 when the key belongs to someone else's visit."""
    data, photos, finding_photos = await read_visit_upload(request)
    done = await service.record_visit(db, request.user, data, photos, finding_photos)
    body = await service.read(db, done.visit)
    return Response(body, status_code=HTTP_201_CREATED if done.created else HTTP_200_OK)


@get("/api/v1/patrol/visits/{visit_id:int}", guards=[READERS], tags=["patrol"])
async def read_visit(db: Db, visit_id: FromPath[int]) -> VisitRead:
    """One visit (404 when it is not in the caller's scope)."""
    return await service.read(db, await service.get_visit(db, visit_id))


@get("/api/v1/patrol/cycles", guards=[READERS], tags=["patrol"])
async def cycles(
    db: Db, kind: Kind = "grid", on: Annotated[date | None, QueryParameter()] = None
) -> list[CycleRead]:
    """The visible cycles of one kind containing `on` (today when omitted) with coverage:
    assignments, visited, visited after the planned day (late), missed."""
    day = on or today()
    rows = await repository.cycles_on(db, kind, day)
    return [CycleRead(**dict(r)) for r in rows]


@get("/api/v1/patrol/rules", guards=[READERS], tags=["patrol"])
async def list_rules(db: Db) -> list[RuleRead]:
    """The cycle-length rules of the caller's scope (defaults: grid 2, town 3, sector 3,
    self-check 1 month)."""
    return [
        RuleRead(**{k: r[k] for k in RuleRead.model_fields}) for r in await repository.rules(db)
    ]


@put("/api/v1/patrol/rules", guards=[require("gov", roles=("officer",))], tags=["patrol"])
async def set_rule(request: Upload, db: Db, data: JSONBody[RuleSet]) -> Response[RuleRead | None]:
    """Set (or with `cycle_months` null, remove) a cycle-length rule for a jurisdiction of the
    caller's district or city; it applies from the next cycle."""
    rule = await service.set_rule(db, request.user, data)
    if rule is None:
        return Response(None, status_code=HTTP_200_OK)
    place = await repository.jurisdiction(db, rule.jurisdiction_id)
    return Response(
        RuleRead(
            id=rule.id or 0,
            jurisdiction_id=rule.jurisdiction_id,
            jurisdiction_name=place["name"] if place else "",
            patrol_kind=rule.patrol_kind,
            sector=rule.sector,
            cycle_months=rule.cycle_months,
            set_at=rule.set_at,
        ),
        status_code=HTTP_200_OK,
    )


routes: list[Any] = [my_assignments, record_visit, read_visit, cycles, list_rules, set_rule]
