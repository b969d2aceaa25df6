"""The spot-check API and pages through the real app: a draw of another town answers 404, the
stored draw can be redone from `/draw` and `/verify` notices a tampered sample, only the drawn
checker (or the drawer) records verdicts, a failure becomes a hazard the enterprise sees,
publication, the enterprise's own results, the published list and its export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from anwang.supervision.spot_checks import sampling
from tests.api import page_login, token
from tests.supervision.spot_checks_support import active_ids, delete_draws, user_ids
from tests.supervision.support import gov_principal
from tests.tenants.factories import committed, tenant_of

API = "/api/v1/spot-checks"


@dataclass(frozen=True)
class Cast:
    town: str  # the town's officer (draws)
    town2: str  # the town's second officer (the checker drawn)
    other_town: str  # another town's officer
    town2_id: int
    boss_tenant: int
    seed: int  # a seed whose draw of 2 includes boss's enterprise
    population: list[int]


@pytest.fixture(scope="module")
def cast(owner_url: str) -> Cast:
    with committed(owner_url) as conn:
        town = gov_principal(conn, "town")
        assert town.scope
        town2, other = conn.execute(
            text(
                "select (select u.username from app_user u join gov_membership g"
                "  on g.user_id = u.id join jurisdiction j on j.id = g.jurisdiction_id"
                "  where g.role = 'officer' and j.path = cast(:p as ltree)"
                "  and u.username <> 'town' order by u.id limit 1),"
                " (select u.username from app_user u join gov_membership g"
                "  on g.user_id = u.id join jurisdiction j on j.id = g.jurisdiction_id"
                "  where g.role = 'officer' and j.level = 'town'"
                "  and j.path <> cast(:p as ltree) order by u.id limit 1)"
            ),
            {"p": town.scope},
        ).one()
        (town2_id,) = user_ids(conn, town2)
        boss = tenant_of(conn, "boss")
        population = active_ids(conn, town.scope)
    seed = next(
        s for s in range(10_000) if boss in sampling.draw(population, s, 2, [town2_id]).sample
    )
    return Cast("town", town2, other, town2_id, boss, seed, population)


@pytest.fixture
def drawn(client: TestClient, owner_url: str, cast: Cast) -> Iterator[dict[str, Any]]:
    """A committed draw of two enterprises of the town (boss's among them), checked by the
    town's second officer; removed afterwards with whatever it opened."""
    r = client.post(
        API,
        json={
            "title": "接口测试抽查",
            "sample_size": 2,
            "seed": cast.seed,
            "checker_ids": [cast.town2_id],
        },
        headers=token(client, cast.town),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    yield body
    with committed(owner_url) as conn:
        delete_draws(conn, [body["id"]])


def test_draw_answers_with_its_targets(drawn: dict[str, Any], cast: Cast) -> None:
    assert drawn["status"] == "reviewing"
    assert drawn["seed"] == str(cast.seed)
    assert drawn["population_size"] == len(cast.population)
    assert [t["position"] for t in drawn["targets"]] == [1, 2]
    assert cast.boss_tenant in [t["tenant_id"] for t in drawn["targets"]]
    assert {t["checker_user_id"] for t in drawn["targets"]} == {cast.town2_id}


def test_another_town_gets_404(client: TestClient, drawn: dict[str, Any], cast: Cast) -> None:
    other = token(client, cast.other_town)
    sid = drawn["id"]
    for path in (f"{API}/{sid}", f"{API}/{sid}/verify", f"{API}/{sid}/draw",
                 f"{API}/{sid}/targets/{cast.boss_tenant}"):  # fmt: skip
        assert client.get(path, headers=other).status_code == 404, path
    r = client.post(
        f"{API}/{sid}/targets/{cast.boss_tenant}/verdict",
        json={"verdict": "pass"},
        headers=other,
    )
    assert r.status_code == 404
    assert sid not in [d["id"] for d in client.get(API, headers=other).json()]
    # The district above reads it.
    assert client.get(f"{API}/{sid}", headers=token(client, "bureau")).status_code == 200


def test_enterprise_and_inspector_cannot_use_the_officer_api(
    client: TestClient, drawn: dict[str, Any]
) -> None:
    assert client.get(f"{API}/{drawn['id']}", headers=token(client, "boss")).status_code == 403
    r = client.post(API, json={"sample_size": 1}, headers=token(client, "grid"))
    assert r.status_code == 403


def test_draw_record_redoes_and_verify_notices_tampering(
    client: TestClient, owner_url: str, drawn: dict[str, Any], cast: Cast
) -> None:
    headers = token(client, cast.town)
    record = client.get(f"{API}/{drawn['id']}/draw", headers=headers).json()
    assert record["population_ids"] == cast.population
    redo = sampling.draw(
        record["population_ids"], int(record["seed"]), record["sample_size"], record["checker_pool"]
    )
    assert [list(t) for t in redo.targets()] == record["targets"]
    ok = client.get(f"{API}/{drawn['id']}/verify", headers=headers).json()
    assert ok["ok"] is True and ok["mismatches"] == []

    with committed(owner_url) as conn:  # someone swaps the checker of the first enterprise
        conn.execute(
            text(
                "update spot_check_target set checker_user_id = (select id from app_user"
                " where username = 'town') where spot_check_id = :s and position = 1"
            ),
            {"s": drawn["id"]},
        )
    bad = client.get(f"{API}/{drawn['id']}/verify", headers=headers).json()
    assert bad["ok"] is False and bad["mismatches"] == [1]


def test_only_the_checker_or_the_drawer_records(
    client: TestClient, drawn: dict[str, Any], cast: Cast
) -> None:
    path = f"{API}/{drawn['id']}/targets/{cast.boss_tenant}/findings"
    finding = {"item": "other", "verdict": "pass", "note": "台账齐全"}
    assert client.post(path, json=finding, headers=token(client, "bureau")).status_code == 403
    r = client.post(path, json=finding, headers=token(client, cast.town2))
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "pass" and r.json()["subject_table"] is None
    # Deciding again replaces the verdict on the same record.
    again = {"item": "other", "verdict": "fail", "note": "台账缺3月份记录"}
    r = client.post(path, json=again, headers=token(client, cast.town))
    assert r.status_code == 200
    review = client.get(
        f"{API}/{drawn['id']}/targets/{cast.boss_tenant}", headers=token(client, "bureau")
    ).json()
    assert [(f["item"], f["verdict"]) for f in review["findings"]] == [("other", "fail")]
    assert review["can_record"] is False
    # Bad input: one Chinese message naming the field.
    r = client.post(
        path, json={"item": "other", "verdict": "fail"}, headers=token(client, cast.town2)
    )
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = client.post(
        path,
        json={"item": "rectification", "subject_id": 2**40, "verdict": "pass"},
        headers=token(client, cast.town2),
    )
    assert r.status_code == 400 and r.json()["field"] == "subject_id"


def test_failure_opens_a_hazard_the_enterprise_sees(
    client: TestClient, drawn: dict[str, Any], cast: Cast
) -> None:
    checker = token(client, cast.town2)
    r = client.post(
        f"{API}/{drawn['id']}/targets/{cast.boss_tenant}/findings",
        json={
            "item": "other",
            "verdict": "fail",
            "note": "安全生产责任制未公示",
            "action": "hazard",
            "title": "安全生产责任制未公示",
        },
        headers=checker,
    )
    assert r.status_code == 200, r.text
    hazard_id = r.json()["hazard_id"]
    assert hazard_id
    h = client.get(f"/api/v1/hazards/{hazard_id}", headers=token(client, "boss"))
    assert h.status_code == 200
    assert h.json()["source"] == "spot_check" and h.json()["state"] == "reported"
    assert h.json()["title"] == "安全生产责任制未公示"
    assert "安全生产责任制未公示" in h.json()["description"]
    # Once passed on, the verdict stays.
    r = client.post(
        f"{API}/{drawn['id']}/targets/{cast.boss_tenant}/findings",
        json={"item": "other", "verdict": "pass"},
        headers=checker,
    )
    assert r.status_code == 409


def test_verdicts_publication_and_the_enterprise_results(
    client: TestClient, drawn: dict[str, Any], cast: Cast
) -> None:
    sid = drawn["id"]
    checker, drawer, boss = (token(client, u) for u in (cast.town2, cast.town, "boss"))
    assert all(r["spot_check_id"] != sid for r in client.get(f"{API}/mine", headers=boss).json())
    r = client.post(f"{API}/{sid}/publish", headers=drawer)
    assert r.status_code == 409 and "2家" in r.json()["detail"]
    client.post(
        f"{API}/{sid}/targets/{cast.boss_tenant}/findings",
        json={"item": "other", "verdict": "fail", "note": "应急预案未演练"},
        headers=checker,
    )
    for t in drawn["targets"]:
        fail = t["tenant_id"] == cast.boss_tenant
        r = client.post(
            f"{API}/{sid}/targets/{t['tenant_id']}/verdict",
            json={
                "verdict": "fail" if fail else "pass",
                "summary": "应急预案未演练" if fail else "",
            },
            headers=checker,
        )
        assert r.status_code == 200, r.text
    assert client.get(f"{API}/{sid}", headers=drawer).json()["status"] == "done"
    assert client.post(f"{API}/{sid}/publish", headers=checker).status_code == 403
    r = client.post(f"{API}/{sid}/publish", headers=drawer)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert client.post(f"{API}/{sid}/publish", headers=drawer).status_code == 409
    r = client.post(
        f"{API}/{sid}/targets/{cast.boss_tenant}/verdict", json={"verdict": "pass"}, headers=checker
    )
    assert r.status_code == 409

    mine = [m for m in client.get(f"{API}/mine", headers=boss).json() if m["spot_check_id"] == sid]
    assert len(mine) == 1
    assert mine[0]["verdict"] == "fail" and mine[0]["summary"] == "应急预案未演练"
    assert [(f["item"], f["verdict"]) for f in mine[0]["findings"]] == [("other", "fail")]
    assert "seed" not in mine[0] and "population_ids" not in mine[0]

    published = client.get(f"{API}/published?spot_check_id={sid}", headers=drawer).json()
    assert {(p["tenant_id"], p["verdict"]) for p in published} == {
        (t["tenant_id"], "fail" if t["tenant_id"] == cast.boss_tenant else "pass")
        for t in drawn["targets"]
    }
    assert (
        client.get(
            f"{API}/published?spot_check_id={sid}", headers=token(client, cast.other_town)
        ).json()
        == []
    )


def test_pages_and_export(client: TestClient, drawn: dict[str, Any], cast: Cast) -> None:
    sid = drawn["id"]
    names = [t["name"] for t in drawn["targets"]]
    page_login(client, cast.town)
    r = client.get("/spot-checks")
    assert r.status_code == 200 and "接口测试抽查" in r.text and "随机抽取" in r.text
    r = client.get(f"/spot-checks/{sid}")
    assert r.status_code == 200 and "复核一致" in r.text and str(cast.seed) in r.text
    assert all(n in r.text for n in names)
    record = client.get(f"/spot-checks/{sid}/draw.json")
    assert record.status_code == 200 and "attachment" in record.headers["content-disposition"]
    assert record.json()["population_ids"] == cast.population
    r = client.get(f"/spot-checks/{sid}/targets/{cast.boss_tenant}")
    assert r.status_code == 200 and "月度综合自查" in r.text and "总体结论" in r.text
    r = client.get("/spot-checks/population", params={"kind": "enterprise"})
    assert r.status_code == 200 and 'id="population-size"' in r.text

    # Verdicts through the forms (the drawer may record), then publish.
    csrf = {"x-csrftoken": client.cookies["anwang_csrf"]}
    for t in drawn["targets"]:
        r = client.post(
            f"/spot-checks/{sid}/targets/{t['tenant_id']}/verdict",
            data={"verdict": "pass", "summary": "记录齐全"},
            headers=csrf,
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    r = client.post(f"/spot-checks/{sid}/publish", headers=csrf, follow_redirects=False)
    assert r.status_code == 303
    r = client.get(f"/spot-checks/published?draw={sid}")
    assert r.status_code == 200 and all(n in r.text for n in names)

    xlsx = client.get(f"/spot-checks/published/export?draw={sid}&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert sorted(r[5] for r in rows) == sorted(names)
    assert {r[8] for r in rows} == {"合格"}
    text_csv = client.get(f"/spot-checks/published/export?draw={sid}&format=csv")
    assert text_csv.status_code == 200
    lines = list(csv.reader(io.StringIO(text_csv.content.decode("utf-8-sig"))))
    assert lines[0][5] == "企业名称" and sorted(r[5] for r in lines[1:]) == sorted(names)

    page_login(client, cast.other_town)
    assert client.get(f"/spot-checks/{sid}").status_code == 404
    assert client.get(f"/spot-checks/{sid}/draw.json").status_code == 404
    assert client.get(f"/spot-checks/{sid}/targets/{cast.boss_tenant}").status_code == 404
    client.cookies.clear()


def test_refused_form_keeps_what_was_typed(client: TestClient, cast: Cast) -> None:
    page_login(client, cast.town)
    csrf = {"x-csrftoken": client.cookies["anwang_csrf"]}
    r = client.post(
        "/spot-checks",
        data={
            "title": "表单测试",
            "size_mode": "count",
            "sample_size": "99999",
            "seed": "12",
            "checker_ids": str(cast.town2_id),
        },
        headers=csrf,
        follow_redirects=False,
    )
    assert r.status_code == 400
    assert 'value="表单测试"' in r.text and 'value="12"' in r.text and "抽取数量应在1到" in r.text
    # The ticked checker stays ticked, the others not.
    assert f'value="{cast.town2_id}" checked' in r.text
    # Without any checker: a message of its own.
    r = client.post(
        "/spot-checks",
        data={"size_mode": "count", "sample_size": "1"},
        headers=csrf,
        follow_redirects=False,
    )
    assert r.status_code == 400 and "请至少选择一名检查人员" in r.text
    client.cookies.clear()


def test_sector_officer_draws_and_reads_pages(client: TestClient, owner_url: str) -> None:
    r = client.post(
        API,
        json={"title": "教育局接口测试抽查", "sample_percent": 50},
        headers=token(client, "edu"),
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    try:
        assert r.json()["sector"] == "education"
        # The bureau of the same place reads the department's draw; the health department not.
        assert client.get(f"{API}/{sid}", headers=token(client, "bureau")).status_code == 200
        assert client.get(f"{API}/{sid}", headers=token(client, "health")).status_code == 404
        page_login(client, "edu")
        page = client.get("/spot-checks")
        assert page.status_code == 200 and "教育局接口测试抽查" in page.text
        assert 'name="sector"' not in page.text  # a department draws its own sector only
        assert client.get(f"/spot-checks/{sid}").status_code == 200
        target = r.json()["targets"][0]["tenant_id"]
        assert client.get(f"/spot-checks/{sid}/targets/{target}").status_code == 200
    finally:
        client.cookies.clear()
        with committed(owner_url) as conn:
            delete_draws(conn, [sid])


def test_verdicts_on_unlisted_records_still_show(
    client: TestClient, owner_url: str, drawn: dict[str, Any], cast: Cast
) -> None:
    # A verdict without its record (as older data may have): shown with the other problems.
    with committed(owner_url) as conn:
        conn.execute(
            text(
                "insert into spot_check_finding (tenant_id, spot_check_id, item, verdict, note,"
                " decided_by) values (:t, :s, 'daily_photos', 'fail', '粉尘清扫照片缺失', :u)"
            ),
            {"t": cast.boss_tenant, "s": drawn["id"], "u": cast.town2_id},
        )
    page_login(client, cast.town)
    r = client.get(f"/spot-checks/{drawn['id']}/targets/{cast.boss_tenant}")
    client.cookies.clear()
    assert r.status_code == 200
    other = r.text[r.text.index('id="other"') :]
    assert "每日检查拍照" in other and "粉尘清扫照片缺失" in other
