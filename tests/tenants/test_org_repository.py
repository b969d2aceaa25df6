"""The org tree's queries others build on: unit choices in tree order with path labels, the
post of a user, and the subtree figures (层层关注) computed over the paths."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.principal import Principal
from anwang.tenants.org import repository
from tests.aio import run_as
from tests.tenants.factories import (
    committed,
    company,
    make_risk_point,
    make_unit,
    make_user,
    tenant_of,
    user_id,
)

T = TypeVar("T")


def enterprise(tenant_id: int, uid: int | None = None, role: str = "boss") -> Principal:
    return Principal(kind="enterprise", user_id=uid, role=role, tenant_id=tenant_id)


def test_unit_choices_are_in_tree_order_with_path_labels(owner_url: str, app_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        root = company(conn, t)
        dept = make_unit(conn, t, name="选项生产部", kind="department", parent_id=root)
        shop = make_unit(conn, t, name="选项冲压车间", kind="workshop", parent_id=dept)
        post = make_unit(conn, t, name="选项冲床岗", kind="post", parent_id=shop)
        root_name = conn.execute(
            text("select name from org_unit where id = :i"), {"i": root}
        ).scalar_one()
    choices = run_as(app_url, enterprise(t), repository.unit_choices)
    ids = [i for i, _ in choices]
    labels = dict(choices)
    assert ids[0] == root
    assert ids.index(root) < ids.index(dept) < ids.index(shop) < ids.index(post)
    assert labels[post] == f"{root_name} / 选项生产部 / 选项冲压车间 / 选项冲床岗"


def test_post_of_user_is_the_unit_of_the_active_staff_record(owner_url: str, app_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        post = make_unit(conn, t, name="焊工岗", kind="post")
        username = make_user(conn, t)
        uid = user_id(conn, username)
        lonely = user_id(conn, make_user(conn, t))
        conn.execute(
            text(
                "insert into staff (tenant_id, name, org_unit_id, user_id)"
                " values (:t, '张焊工', :u, :uid)"
            ),
            {"t": t, "u": post, "uid": uid},
        )

    async def both(db: AsyncSession) -> tuple[int | None, object]:
        unit = await repository.post_of_user(db, uid)
        none = await repository.post_of_user(db, lonely)
        return (unit.id if unit else None), none

    found, none = run_as(app_url, enterprise(t), both)
    assert found == post and none is None


def test_subtree_figures_sum_everything_below_and_are_zero_when_empty(
    owner_url: str, app_url: str
) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        root = company(conn, t)
        dept = make_unit(conn, t, name="统计生产部", kind="department", parent_id=root)
        shop = make_unit(conn, t, name="统计车间", kind="workshop", parent_id=dept)
        other = make_unit(conn, t, name="统计仓库", kind="department", parent_id=root)
        make_risk_point(conn, t, shop, name="压力机", level="major")
        make_risk_point(conn, t, shop, name="行车", level="general")
        make_risk_point(conn, t, dept, name="配电房", level="general")
        conn.execute(
            text(
                "insert into hazard (tenant_id, source, org_unit_id, state, title, deadline)"
                " values (:t, 'report', :u, 'rectifying', '护栏缺失', current_date - 3),"
                " (:t, 'report', :u, 'reported', '地面油污', null),"
                " (:t, 'report', :u, 'closed', '已销号的', current_date - 9),"
                " (:t, 'report', null, 'reported', '无部门的', null)"
            ),
            {"t": t, "u": shop},
        )
    figures = run_as(app_url, enterprise(t), repository.subtree_figures)
    assert figures[shop]["risk_major"] == 1 and figures[shop]["risk_general"] == 1
    assert figures[dept]["risk_general"] == 2 and figures[dept]["risk_major"] == 1
    assert figures[shop]["hazards_open"] == 2 and figures[shop]["hazards_overdue"] == 1
    # the company sees everything below it, and hazards that name no unit (other data of
    # the tenant may add to its figures, never take away)
    assert figures[root]["hazards_open"] >= 3 and figures[root]["risk_major"] >= 1
    assert set(figures[other].values()) == {0}
    one = run_as(app_url, enterprise(t), lambda db: repository.subtree_figures(db, dept))
    assert list(one) == [dept] and one[dept] == figures[dept]
