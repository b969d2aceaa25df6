"""The patrol pages as served (no browser): who may open them, what they list, the service
worker's script and headers, the overview's figures agreeing with the assignments, and the
rule form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from anwang.platform.clock import today
from anwang.supervision.patrol import planning
from tests.api import page_login, token
from tests.supervision.patrol_support import visit_files, visit_payload
from tests.tenants.factories import committed


@pytest.fixture(scope="module")
def planned(owner_url: str) -> None:
    with committed(owner_url) as conn:
        planning.plan_cycles(conn, today())


@pytest.fixture
def web(client: TestClient) -> Iterator[TestClient]:
    client.cookies.clear()
    yield client
    client.cookies.clear()


def mine(owner_url: str, username: str) -> list[Any]:
    with committed(owner_url) as conn:
        return list(
            conn.execute(
                text(
                    "select e.name, a.status from patrol_assignment a"
                    " join patrol_cycle c on c.id = a.cycle_id join enterprise e on e.id = a.tenant_id"
                    " join app_user u on u.id = a.inspector_user_id"
                    " where u.username = :u and c.starts_on <= :d and c.ends_on >= :d"
                ),
                {"u": username, "d": today()},
            )
        )


@pytest.mark.parametrize("username", ["grid", "town", "edu"])
def test_patrollers_get_their_list_and_the_visit_form(
    web: TestClient, owner_url: str, planned: None, username: str
) -> None:
    page_login(web, username)
    r = web.get("/inspector")
    assert r.status_code == 200, r.text
    html = r.text
    rows = mine(owner_url, username)
    assert rows, f"{username} has assignments this cycle"
    assert html.count('class="pt-item"') == len(rows)
    assert all(name in html for name, _ in rows)
    assert 'id="visit-form"' in html and html.count('class="pt-check"') == 11
    assert 'src="/static/supervision/patrol.js"' in html
    assert 'id="patrol-data"' in html
    assert re.search(r'id="n-total">\d+', html)
    assert web.get("/patrol", follow_redirects=False).headers["location"] == "/inspector"


def test_others_are_refused_the_tablet_page(web: TestClient) -> None:
    for username in ("boss", "command"):
        page_login(web, username)
        assert web.get("/inspector").status_code == 403
        web.cookies.clear()


def test_the_service_worker_is_served_for_the_page_scope(web: TestClient) -> None:
    r = web.get("/inspector/sw.js")  # no login: the browser may fetch it without cookies
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/inspector"
    assert "no-cache" in r.headers["cache-control"]
    assert 'addEventListener("fetch"' in r.text


def test_a_visit_page_shows_what_was_recorded(
    web: TestClient, client: TestClient, owner_url: str, planned: None
) -> None:
    with committed(owner_url) as conn:
        tenant = conn.execute(
            text(
                "select m.tenant_id from tenant_membership m join app_user u on u.id = m.user_id"
                " where u.username = 'boss'"
            )
        ).scalar_one()
    payload = visit_payload(tenant, findings=[{"title": "楼梯间堆放纸箱", "description": ""}])
    data, files = visit_files(payload)
    r = client.post(
        "/api/v1/patrol/visits", headers=token(client, "grid"), data=data, files=files or None
    )
    assert r.status_code == 201, r.text
    visit_id = r.json()["id"]
    page_login(web, "town")
    page = web.get(f"/patrol/visits/{visit_id}")
    assert page.status_code == 200
    assert "楼梯间堆放纸箱" in page.text and "安全生产责任制" in page.text and "不符合" in page.text
    web.cookies.clear()
    page_login(web, "edu")  # a sector officer: not their sector
    assert web.get(f"/patrol/visits/{visit_id}").status_code == 404


def test_the_overview_adds_up_to_the_assignments(
    web: TestClient, owner_url: str, planned: None
) -> None:
    page_login(web, "town")
    r = web.get("/patrol/overview?kind=grid")
    assert r.status_code == 200, r.text
    with committed(owner_url) as conn:
        scope = conn.execute(
            text(
                "select j.path::text from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = 'town'"
            )
        ).scalar_one()
        total, unvisited = conn.execute(
            text(
                "select count(*), count(*) filter (where a.status <> 'visited')"
                " from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id"
                " where c.patrol_kind = 'grid' and c.starts_on <= :d and c.ends_on >= :d"
                " and a.jurisdiction_path <@ cast(:s as ltree)"
            ),
            {"d": today(), "s": scope},
        ).one()
    found = re.search(r'id="n-total">(\d+)', r.text)
    assert found and int(found.group(1)) == total > 0
    assert f"共 {unvisited} 家" in r.text
    assert 'id="by-grid"' in r.text and 'id="by-inspector"' in r.text
    # sector officers see their sector's patrols only
    web.cookies.clear()
    page_login(web, "edu")
    r = web.get("/patrol/overview?kind=grid")
    assert r.status_code == 200 and "行业主管部门巡查" in r.text and 'id="by-grid"' not in r.text
    web.cookies.clear()
    page_login(web, "grid")
    assert web.get("/patrol/overview").status_code == 403


def test_the_rule_form_sets_a_rule(web: TestClient, owner_url: str) -> None:
    page_login(web, "bureau")
    page = web.get("/patrol/overview")
    assert 'action="/patrol/rules"' in page.text
    with committed(owner_url) as conn:
        town_id = conn.execute(
            text(
                "select g.jurisdiction_id from app_user u join gov_membership g on g.user_id = u.id"
                " where u.username = 'town'"
            )
        ).scalar_one()
    form = {
        "jurisdiction_id": str(town_id),
        "patrol_kind": "town",
        "sector": "",
        "cycle_months": "4",
    }
    csrf = {"x-csrftoken": web.cookies["anwang_csrf"]}
    r = web.post("/patrol/rules", data=form, headers=csrf, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    try:
        assert "每 4 个月一轮" in web.get("/patrol/overview").text
        bad = web.post("/patrol/rules", data={**form, "cycle_months": "x"}, headers=csrf)
        assert bad.status_code == 400 and "1至12" in bad.text
    finally:
        web.post("/patrol/rules", data={**form, "cycle_months": ""}, headers=csrf)
    assert "每 4 个月一轮" not in web.get("/patrol/overview").text
