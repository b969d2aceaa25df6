"""Registry pages for people: a bureau officer registers an enterprise, and government
users open one enterprise's record with its change history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from litestar import get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.audit import AuditEvent, history
from anwang.platform.clock import cn_time
from anwang.platform.errors import DomainError
from anwang.platform.registry import service
from anwang.platform.registry.schemas import EnterpriseCreate
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.auth import home_path, require
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import ENTERPRISE_FIELDS, Labels
from anwang.platform.web.shells import OFFICER, Req

# Every government user and sector principals may open a record; RLS decides which ones.
RECORD_READERS = require("gov", "sector")

# The form calls the jurisdiction 所属网格: officers register enterprises in a grid.
FORM_LABELS = {**ENTERPRISE_FIELDS, "jurisdiction_id": "所属网格"}
SELECTS = frozenset({"industry", "scale", "sector", "jurisdiction_id"})
OPTIONAL_NUMBERS = frozenset({"lon", "lat"})

OPS = {"INSERT": "新建", "UPDATE": "修改", "DELETE": "删除"}
# Who changed a record when their account is outside the caller's view, by database role.
UNSEEN_ACTORS = {
    "anwang_gov": "监管部门人员",
    "anwang_sector": "行业主管部门人员",
    "anwang_enterprise": "企业用户",
}
# Fields stored as codes, shown by their Chinese labels.
CODED_FIELDS: dict[str, Callable[[str | None], str]] = {
    "scale": Labels.scale,
    "sector": Labels.sector,
    "status": Labels.status,
    "kind": Labels.kind,
    "site_type": Labels.site_type,
}
# Kept by the database for itself (the path follows jurisdiction_id), not worth a line.
UNSHOWN_FIELDS = frozenset({"id", "jurisdiction_path", "created_at"})


@dataclass
class EnterpriseForm:
    """The registration form exactly as typed: strings, so a refused form comes back intact."""

    name: str = ""
    credit_code: str = ""
    industry: str = ""
    scale: str = "small"
    sector: str = "industry"
    jurisdiction_id: str = ""
    address: str = ""
    legal_representative: str = ""
    lon: str = ""
    lat: str = ""

    def to_create(self) -> EnterpriseCreate:
        """The API schema's view of the form; raises ValidationError like the API does."""
        typed = {k: v.strip() for k, v in asdict(self).items()}
        # An empty optional number box means "not given", not a number that fails to parse.
        payload = {k: v for k, v in typed.items() if v or k not in OPTIONAL_NUMBERS}
        return EnterpriseCreate.model_validate(payload)


def field_errors(error: ValidationError, form: EnterpriseForm) -> dict[str, str]:
    """One Chinese message per form field from the schema's errors (the first one wins)."""
    typed = asdict(form)
    messages: dict[str, str] = {}
    for detail in error.errors():
        name = str(detail["loc"][0]) if detail["loc"] else ""
        if name in typed and name not in messages:
            messages[name] = _message(name, detail, typed[name].strip())
    return messages


def _message(name: str, detail: ErrorDetails, typed: str) -> str:
    label = FORM_LABELS.get(name, name)
    if not typed:
        return ("请选择" if name in SELECTS else "请填写") + label
    if name in SELECTS and detail["type"] != "value_error":
        return f"请从列表中选择{label}"
    ctx = detail.get("ctx") or {}
    match detail["type"]:
        case "value_error":
            # The schema's own sentence, e.g. the credit code's check-digit message.
            return str(ctx.get("error", detail["msg"]))
        case "string_too_short":
            return f"{label}至少{ctx['min_length']}个字"
        case "string_too_long":
            return f"{label}不能超过{ctx['max_length']}个字"
        case "greater_than_equal":
            return f"{label}不能小于{ctx['ge']}"
        case "less_than_equal":
            return f"{label}不能大于{ctx['le']}"
        case "float_parsing" | "int_parsing" | "finite_number":
            return f"{label}应为数字"
    return f"{label}填写有误"


async def _form_page(
    request: Req,
    db: AsyncSession,
    form: EnterpriseForm,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    return Template(
        "enterprise_form.html",
        context={
            "p": request.user,
            "L": Labels,
            "nav": [],
            "f": form,
            "errors": errors,
            "error": error,
            # Where the cursor lands after a refusal: the first field to fix.
            "first_error": next((k for k in asdict(form) if k in errors), ""),
            "grids": await queries.grid_groups(db, request.user.scope or ""),
        },
        status_code=status,
    )


@get("/bureau/enterprises/new", guards=[OFFICER], include_in_schema=False)
async def enterprise_new(request: Req, db: Db) -> Template:
    """The blank registration form 登记企业."""
    return await _form_page(request, db, EnterpriseForm())


@post("/bureau/enterprises/new", guards=[OFFICER], include_in_schema=False, status_code=303)
async def enterprise_create(
    request: Req,
    db: Db,
    data: Annotated[EnterpriseForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    """Register through the same schema and service as the API; a refusal keeps the form."""
    try:
        enterprise = await service.register_enterprise(db, request.user, data.to_create())
    except ValidationError as e:
        errors = field_errors(e, data)
        return await _form_page(request, db, data, errors=errors, status=400)
    except DomainError as e:
        # Nothing of a refused registration may reach the commit at the end of the request.
        await db.rollback()
        errors = {e.field: e.message} if e.field in asdict(data) else {}
        return await _form_page(
            request,
            db,
            data,
            errors=errors,
            error="" if errors else e.message,
            status=e.status_code,
        )
    return Redirect(f"/bureau/enterprises/{enterprise.id}?created=1", status_code=303)


# --- one enterprise's record -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the change timeline: what happened, when, by whom, which fields."""

    op: str
    at: str
    who: str
    changes: list[Change] = field(default_factory=list)


def _shown(name: str, value: Any, places: dict[int, str]) -> str:
    if value is None or value == "":
        return ""  # the page says （空）
    if name == "jurisdiction_id":
        return places.get(int(value), f"#{value}")
    return CODED_FIELDS[name](str(value)) if name in CODED_FIELDS else str(value)


def _changes(event: AuditEvent, places: dict[int, str]) -> list[Change]:
    before, after = event.before or {}, event.after or {}
    if event.op != "UPDATE":
        return []
    # In the order of the record's page, not the order jsonb keeps its keys in.
    names = [k for k in ENTERPRISE_FIELDS if k in after] + [
        k for k in after if k not in ENTERPRISE_FIELDS
    ]
    return [
        Change(
            ENTERPRISE_FIELDS.get(k, k),
            _shown(k, before.get(k), places),
            _shown(k, after[k], places),
        )
        for k in names
        if k not in UNSHOWN_FIELDS and before.get(k) != after[k]
    ]


async def _timeline(db: AsyncSession, enterprise_id: int) -> list[HistoryEntry]:
    """The record's audit trail, newest first, with names in place of ids where visible."""
    events = await history(db, "enterprise", str(enterprise_id))
    users = await queries.display_names(
        db, sorted({e.actor_user_id for e in events if e.actor_user_id is not None})
    )
    moved = {
        int(v)
        for e in events
        for v in ((e.before or {}).get("jurisdiction_id"), (e.after or {}).get("jurisdiction_id"))
        if v is not None
    }
    places = await queries.jurisdiction_names(db, sorted(moved))
    entries = []
    for e in reversed(events):
        if e.actor_user_id is None:
            who = "系统/初始化数据"
        else:
            who = users.get(e.actor_user_id) or UNSEEN_ACTORS.get(e.actor_role, "其他用户")
        entries.append(HistoryEntry(OPS.get(e.op, e.op), cn_time(e.at), who, _changes(e, places)))
    return entries


@get("/bureau/enterprises/{enterprise_id:int}", guards=[RECORD_READERS], include_in_schema=False)
async def enterprise_detail(
    request: Req,
    db: Db,
    enterprise_id: FromPath[int],
    created: FromQuery[bool] = False,
) -> Template:
    """One enterprise's registry record and change history; out of scope reads as 404."""
    enterprise = await service.get_enterprise(db, enterprise_id)
    return Template(
        "enterprise_detail.html",
        context={
            "p": request.user,
            "L": Labels,
            "nav": [("#profile", "企业概况"), ("#history", "变更记录")],
            "e": enterprise,
            "trail": await queries.place_trail(db, str(enterprise.jurisdiction_path)),
            "registered_at": cn_time(enterprise.created_at),
            "timeline": await _timeline(db, enterprise_id),
            "created": created,
            "back": home_path(request.user),
        },
    )


registry_pages = [enterprise_new, enterprise_create, enterprise_detail]
