"""The unit permission rule (tenants/org/access.py): company roles act on every unit, a
unit's managers on its subtree (层层关注) and nowhere else."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Forbidden
from anwang.platform.principal import Principal
from anwang.tenants.org import access, service
from tests.tenants.factories import (
    committed,
    make_manager,
    make_unit,
    make_user,
    tenant_of,
    user_id,
)
from tests.tenants.test_org_repository import run_as


@pytest.fixture(scope="module")
def plant(owner_url: str) -> dict[str, int]:
    """A department with two workshops; workshop A has a team and a post; one user heads A,
    one is A's safety officer, one is a plain worker."""
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        dept = make_unit(conn, t, name="规则测试部", kind="department")
        a = make_unit(conn, t, name="规则甲车间", kind="workshop", parent_id=dept)
        b = make_unit(conn, t, name="规则乙车间", kind="workshop", parent_id=dept)
        team = make_unit(conn, t, name="规则甲班", kind="team", parent_id=a)
        post = make_unit(conn, t, name="规则甲岗", kind="post", parent_id=team)
        head = make_user(conn, t, "unit_head")
        officer = make_user(conn, t, "worker")
        worker = make_user(conn, t, "worker")
        make_manager(conn, t, a, head, "head")
        make_manager(conn, t, a, officer, "safety_officer")
        return {
            "t": t,
            "dept": dept,
            "a": a,
            "b": b,
            "team": team,
            "post": post,
            "head": user_id(conn, head),
            "officer": user_id(conn, officer),
            "worker": user_id(conn, worker),
        }


def who(plant: dict[str, int], name: str, role: str) -> Principal:
    return Principal(kind="enterprise", user_id=plant[name], role=role, tenant_id=plant["t"])


def can(app_url: str, p: Principal, unit: int) -> bool:
    return run_as(app_url, p, lambda db: access.can_manage(db, p, unit))


@pytest.mark.parametrize("role", ["boss", "safety_manager", "admin"])
def test_company_roles_manage_every_unit(app_url: str, plant: dict[str, int], role: str) -> None:
    p = who(plant, "worker", role)
    assert all(can(app_url, p, plant[u]) for u in ("dept", "a", "b", "team", "post"))
    assert run_as(app_url, p, lambda db: access.managed_unit_ids(db, p)) is None


@pytest.mark.parametrize("manager", ["head", "officer"])
def test_a_workshop_manager_manages_its_subtree_not_its_sibling_nor_above(
    app_url: str, plant: dict[str, int], manager: str
) -> None:
    p = who(plant, manager, "unit_head")
    assert can(app_url, p, plant["a"]) and can(app_url, p, plant["team"])
    assert can(app_url, p, plant["post"])
    assert not can(app_url, p, plant["b"]) and not can(app_url, p, plant["dept"])
    managed = run_as(app_url, p, lambda db: access.managed_unit_ids(db, p))
    assert managed == {plant["a"], plant["team"], plant["post"]}


def test_a_worker_manages_nothing(app_url: str, plant: dict[str, int]) -> None:
    p = who(plant, "worker", "worker")
    assert not any(can(app_url, p, plant[u]) for u in ("dept", "a", "b", "team", "post"))

    async def refused(db: AsyncSession) -> str:
        with pytest.raises(Forbidden) as e:
            await access.require_manager(db, p, plant["post"])
        return e.value.message

    assert "负责人" in run_as(app_url, p, refused)


def test_a_unit_is_edited_from_the_level_above(app_url: str, plant: dict[str, int]) -> None:
    """Renaming, moving or deleting a unit takes a manager of its parent: the workshop head
    shapes the teams and posts below, but not the workshop itself (no self-appointment)."""
    p = who(plant, "head", "unit_head")

    async def editable(db: AsyncSession) -> dict[str, bool]:
        out = {}
        for name in ("a", "b", "team", "post"):
            unit = await service.get_unit(db, plant[name])
            out[name] = await service.can_edit_unit(db, p, unit)
        return out

    assert run_as(app_url, p, editable) == {"a": False, "b": False, "team": True, "post": True}


def test_non_enterprise_principals_manage_nothing(app_url: str, plant: dict[str, int]) -> None:
    gov = Principal(kind="gov", user_id=plant["head"], role="officer", scope="1")
    assert (
        run_as(
            app_url, who(plant, "worker", "boss"), lambda db: access.can_manage(db, gov, plant["a"])
        )
        is False
    )
