"""The org tree's API end to end: units, managers, people; its refusals in Chinese; the
subtree rule for unit managers; another tenant's ids answer 404."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import token
from tests.tenants.factories import (
    committed,
    make_manager,
    make_unit,
    make_user,
    other_tenant,
    tenant_of,
    user_id,
)

API = "/api/v1/org-units"


def root_id(client: TestClient, h: dict[str, str]) -> int:
    units = client.get(API, headers=h).json()
    return int(next(u["id"] for u in units if u["parent_id"] is None))


def create(client: TestClient, h: dict[str, str], parent: int, name: str, kind: str) -> Any:
    r = client.post(API, headers=h, json={"parent_id": parent, "name": name, "kind": kind})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_tree_has_one_company_root(client: TestClient) -> None:
    h = token(client, "safety")
    units = client.get(API, headers=h).json()
    roots = [u for u in units if u["parent_id"] is None]
    assert len(roots) == 1 and roots[0]["kind"] == "company" and roots[0]["depth"] == 0
    assert units[0]["id"] == roots[0]["id"]  # tree order: the company first
    nested = client.get(f"{API}/tree", headers=h).json()
    assert [n["id"] for n in nested] == [roots[0]["id"]]


def test_second_root_is_refused(client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "二号根测试部", "department")
    r = client.patch(f"{API}/{dept['id']}", headers=h, json={"parent_id": None})
    assert r.status_code == 400 and "只有一个公司" in r.json()["detail"]
    r = client.post(
        API, headers=h, json={"parent_id": dept["id"], "name": "另一个公司", "kind": "company"}
    )
    assert r.status_code == 400 and r.json()["field"] == "kind"


def test_create_rename_move_and_delete(client: TestClient) -> None:
    h = token(client, "safety")
    root = root_id(client, h)
    dept = create(client, h, root, "生产部", "department")
    shop = create(client, h, dept["id"], "冲压车间", "workshop")
    post = create(client, h, shop["id"], "冲床操作岗", "post")
    assert post["label"].endswith("生产部 / 冲压车间 / 冲床操作岗") and post["depth"] == 3
    assert post["path"] == f"{dept['path']}.{shop['id']}.{post['id']}"

    r = client.patch(f"{API}/{shop['id']}", headers=h, json={"name": "  冲压一车间 "})
    assert r.status_code == 200 and r.json()["name"] == "冲压一车间"

    other = create(client, h, root, "设备部", "department")
    r = client.patch(f"{API}/{shop['id']}", headers=h, json={"parent_id": other["id"]})
    assert r.status_code == 200, r.text
    moved = client.get(f"{API}/{post['id']}", headers=h).json()
    assert moved["path"] == f"{other['path']}.{shop['id']}.{post['id']}"
    assert moved["label"].endswith("设备部 / 冲压一车间 / 冲床操作岗")

    assert client.delete(f"{API}/{post['id']}", headers=h).status_code == 204
    assert client.get(f"{API}/{post['id']}", headers=h).status_code == 404


def test_move_under_its_own_subtree_is_refused(client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "环形测试部", "department")
    shop = create(client, h, dept["id"], "环形车间", "workshop")
    team = create(client, h, shop["id"], "环形班组", "team")
    for target in (team["id"], dept["id"]):
        r = client.patch(f"{API}/{dept['id']}", headers=h, json={"parent_id": target})
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["field"] == "parent_id" and "下级单位之下" in body["detail"]
    after = client.get(f"{API}/{team['id']}", headers=h).json()
    assert after["path"] == team["path"]


def test_a_post_has_no_children(client: TestClient) -> None:
    h = token(client, "safety")
    post = create(client, h, root_id(client, h), "独立岗位", "post")
    r = client.post(API, headers=h, json={"parent_id": post["id"], "name": "下级", "kind": "team"})
    assert r.status_code == 400 and "岗位下不能" in r.json()["detail"]


def test_delete_only_when_empty_says_what_blocks(owner_url: str, client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "待删除部门", "department")
    create(client, h, dept["id"], "待删除班组", "team")
    r = client.post("/api/v1/staff", headers=h, json={"name": "李四", "org_unit_id": dept["id"]})
    assert r.status_code == 201, r.text
    with committed(owner_url) as conn:
        from tests.tenants.factories import make_risk_point

        make_risk_point(conn, tenant_of(conn, "safety"), dept["id"], name="待删风险点")
    r = client.delete(f"{API}/{dept['id']}", headers=h)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "1个下级单位" in detail and "1名人员" in detail and "1个风险点" in detail
    assert client.get(f"{API}/{dept['id']}", headers=h).status_code == 200


def test_company_cannot_be_deleted(client: TestClient) -> None:
    h = token(client, "boss")
    r = client.delete(f"{API}/{root_id(client, h)}", headers=h)
    assert r.status_code == 400 and "不能删除" in r.json()["detail"]


def test_name_is_required_and_at_most_60_characters(client: TestClient) -> None:
    h = token(client, "safety")
    root = root_id(client, h)
    r = client.post(API, headers=h, json={"parent_id": root, "name": "长" * 61, "kind": "team"})
    assert r.status_code == 400
    assert r.json() == {"detail": "名称不能超过60个字（现在61个字）", "field": "name"}
    r = client.post(API, headers=h, json={"parent_id": root, "name": "  ", "kind": "team"})
    assert r.status_code == 400 and r.json()["detail"] == "请填写名称"
    r = client.post(API, headers=h, json={"parent_id": root, "name": "x", "kind": "floor"})
    assert r.status_code == 400 and r.json()["field"] == "kind"
    assert create(client, h, root, "长" * 60, "team")["name"] == "长" * 60


def test_safety_department_is_a_department_directly_under_the_company(
    client: TestClient,
) -> None:
    h = token(client, "safety")
    root = root_id(client, h)
    first = create(client, h, root, "安全环保部", "department")
    shop = create(client, h, first["id"], "安全车间", "workshop")
    r = client.patch(f"{API}/{shop['id']}", headers=h, json={"is_safety_department": True})
    assert r.status_code == 400 and r.json()["field"] == "is_safety_department"
    r = client.patch(f"{API}/{first['id']}", headers=h, json={"is_safety_department": True})
    assert r.status_code == 200 and r.json()["is_safety_department"]
    second = create(client, h, root, "安全管理部", "department")
    r = client.patch(f"{API}/{second['id']}", headers=h, json={"is_safety_department": True})
    assert r.status_code == 200
    marked = [u["id"] for u in client.get(API, headers=h).json() if u["is_safety_department"]]
    assert marked == [second["id"]]
    # a worker may not set it
    w = token(client, "worker")
    r = client.patch(f"{API}/{first['id']}", headers=w, json={"is_safety_department": True})
    assert r.status_code == 403


def test_managers_are_accounts_of_the_tenant(owner_url: str, client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "经理测试部", "department")
    with committed(owner_url) as conn:
        t = tenant_of(conn, "safety")
        head = user_id(conn, make_user(conn, t, "unit_head", "王主任"))
        deputy = user_id(conn, make_user(conn, t, "worker", "赵副主任"))
        stranger = user_id(conn, make_user(conn, other_tenant(conn, t), "boss", "外企业"))
    url = f"{API}/{dept['id']}/managers"
    r = client.put(url, headers=h, json=[{"user_id": stranger, "duty": "head"}])
    assert r.status_code == 400 and "不是本企业的账号" in r.json()["detail"]
    r = client.put(url, headers=h, json=[{"user_id": head, "duty": "chief"}])
    assert r.status_code == 400 and r.json()["field"] == "duty"
    r = client.put(
        url,
        headers=h,
        json=[{"user_id": head, "duty": "head"}, {"user_id": deputy, "duty": "deputy"}],
    )
    assert r.status_code == 200, r.text
    got = {m["user_id"]: m["duty"] for m in client.get(url, headers=h).json()}
    assert got == {head: "head", deputy: "deputy"}
    assert client.put(url, headers=h, json=[]).json() == []


def test_a_workshop_head_manages_its_subtree_only(owner_url: str, client: TestClient) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "safety")
        dept = make_unit(conn, t, name="权限测试部", kind="department")
        shop_a = make_unit(conn, t, name="甲车间", kind="workshop", parent_id=dept)
        shop_b = make_unit(conn, t, name="乙车间", kind="workshop", parent_id=dept)
        head = make_user(conn, t, "unit_head", "甲车间主任")
        make_manager(conn, t, shop_a, head)
    h = token(client, head)
    team = create(client, h, shop_a, "甲一班", "team")
    post = create(client, h, team["id"], "甲一班操作岗", "post")
    assert (
        client.patch(f"{API}/{post['id']}", headers=h, json={"name": "甲一班主操岗"}).status_code
        == 200
    )
    r = client.post("/api/v1/staff", headers=h, json={"name": "甲工", "org_unit_id": post["id"]})
    assert r.status_code == 201
    # not the sibling workshop, not the workshop itself, not the department
    r = client.post(API, headers=h, json={"parent_id": shop_b, "name": "乙一班", "kind": "team"})
    assert r.status_code == 403 and "乙车间" in r.json()["detail"]
    assert client.patch(f"{API}/{shop_b}", headers=h, json={"name": "x"}).status_code == 403
    assert client.patch(f"{API}/{shop_a}", headers=h, json={"name": "x"}).status_code == 403
    r = client.patch(f"{API}/{team['id']}", headers=h, json={"parent_id": shop_b})
    assert r.status_code == 403
    r = client.post("/api/v1/staff", headers=h, json={"name": "乙工", "org_unit_id": shop_b})
    assert r.status_code == 403
    # a worker manages nothing; the company roles everything
    w = token(client, "worker")
    r = client.post(API, headers=w, json={"parent_id": shop_a, "name": "丙班", "kind": "team"})
    assert r.status_code == 403
    for boss in ("boss", "safety"):
        b = token(client, boss)
        assert client.patch(f"{API}/{shop_b}", headers=b, json={"sort": 2}).status_code == 200


def test_staff_add_list_subtree_edit_deactivate(owner_url: str, client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "人员测试部", "department")
    post = create(client, h, dept["id"], "人员测试岗", "post")
    with committed(owner_url) as conn:
        account = user_id(conn, make_user(conn, tenant_of(conn, "safety"), "worker", "周工"))
    r = client.post(
        "/api/v1/staff",
        headers=h,
        json={
            "name": "周工",
            "org_unit_id": post["id"],
            "user_id": account,
            "job_title": "冲床工",
            "phone": "138 0000 0000",
        },
    )
    assert r.status_code == 201, r.text
    person = r.json()
    assert person["org_unit_name"] == "人员测试岗" and person["active"]

    only_dept = client.get(f"/api/v1/staff?org_unit_id={dept['id']}", headers=h).json()
    subtree = client.get(f"/api/v1/staff?org_unit_id={dept['id']}&subtree=true", headers=h).json()
    assert person["id"] not in [s["id"] for s in only_dept]
    assert person["id"] in [s["id"] for s in subtree]

    r = client.post(
        "/api/v1/staff",
        headers=h,
        json={"name": "重复", "org_unit_id": post["id"], "user_id": account},
    )
    assert r.status_code == 409 and "周工" in r.json()["detail"]
    r = client.post(
        "/api/v1/staff",
        headers=h,
        json={"name": "坏电话", "org_unit_id": post["id"], "phone": "abc"},
    )
    assert r.status_code == 400 and r.json()["field"] == "phone"

    r = client.patch(
        f"/api/v1/staff/{person['id']}", headers=h, json={"active": False, "job_title": "班长"}
    )
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["job_title"] == "班长"
    active = client.get(f"/api/v1/staff?org_unit_id={post['id']}&active=true", headers=h).json()
    assert person["id"] not in [s["id"] for s in active]


def test_another_tenants_units_answer_404(owner_url: str, client: TestClient) -> None:
    with committed(owner_url) as conn:
        other = other_tenant(conn, tenant_of(conn, "boss"))
        foreign = make_unit(conn, other, name="外企业车间")
        person = conn.execute(
            text(
                "insert into staff (tenant_id, name, org_unit_id) values (:t, '外人', :u) returning id"
            ),
            {"t": other, "u": foreign},
        ).scalar_one()
    h = token(client, "boss")
    assert client.get(f"{API}/{foreign}", headers=h).status_code == 404
    assert client.patch(f"{API}/{foreign}", headers=h, json={"name": "x"}).status_code == 404
    assert client.delete(f"{API}/{foreign}", headers=h).status_code == 404
    assert client.get(f"{API}/{foreign}/managers", headers=h).status_code == 404
    assert client.put(f"{API}/{foreign}/managers", headers=h, json=[]).status_code == 404
    assert client.get(f"{API}/{foreign}/documents", headers=h).status_code == 404
    assert client.get(f"/api/v1/staff?org_unit_id={foreign}", headers=h).status_code == 404
    assert client.get(f"/api/v1/staff/{person}", headers=h).status_code == 404
    assert (
        client.patch(f"/api/v1/staff/{person}", headers=h, json={"active": False}).status_code
        == 404
    )
    # as a parent or target it is simply not there
    r = client.post(API, headers=h, json={"parent_id": foreign, "name": "挂靠", "kind": "team"})
    assert r.status_code == 400 and r.json()["field"] == "parent_id"
    assert foreign not in [u["id"] for u in client.get(API, headers=h).json()]


def test_figures_ride_along_with_the_tree(client: TestClient) -> None:
    h = token(client, "safety")
    dept = create(client, h, root_id(client, h), "数字测试部", "department")
    units = client.get(f"{API}?figures=true", headers=h).json()
    mine = next(u for u in units if u["id"] == dept["id"])
    assert mine["figures"] == {
        "risk_major": 0,
        "risk_significant": 0,
        "risk_general": 0,
        "risk_low": 0,
        "hazards_open": 0,
        "hazards_overdue": 0,
        "tasks_pending": 0,
        "tasks_overdue": 0,
    }


def test_government_users_do_not_use_the_enterprise_api(client: TestClient) -> None:
    assert client.get(API, headers=token(client, "town")).status_code == 403
