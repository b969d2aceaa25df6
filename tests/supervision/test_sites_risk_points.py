"""A sector department gives its sites risk points: assessed by LEC (the level and control
follow the enterprise rules, the history keeps the assessment) or judged directly; a major
level needs a named leader; it reassesses them; it cannot touch another sector's site nor an
ordinary enterprise's risk points."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import token
from tests.supervision.operations_support import DISTRICT, TOWN, enterprise_in, site_of
from tests.supervision.sites_support import credit_code, grid_of, unique_name
from tests.tenants.factories import committed

URL = "/api/v1/sector/sites"


@pytest.fixture(scope="module")
def school(client: TestClient, owner_url: str) -> int:
    """A school registered for these tests by the education bureau."""
    with committed(owner_url) as conn:
        grid = grid_of(conn)
    r = client.post(
        URL,
        json={
            "name": unique_name(),
            "site_type": "school",
            "credit_code": credit_code(),
            "jurisdiction_id": grid,
        },
        headers=token(client, "edu"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def point(**kw: Any) -> dict[str, Any]:
    return {
        "name": unique_name("学生食堂燃气灶"),
        "kind": "equipment",
        "location": "食堂操作间",
        "hazard_factors": ["thing", "management"],
        "accident_types": ["fire", "其他爆炸"],
        "inspection_frequency": "daily",
        "responsible_name": "食堂主任",
        "measures": [
            {"kind": "engineering", "content": "安装燃气泄漏报警并与切断阀联锁"},
            {"kind": "management", "content": "每日班后关闭总阀并检查"},
        ],
        **kw,
    }


@pytest.fixture(scope="module")
def edu(client: TestClient) -> dict[str, str]:
    return token(client, "edu")


def test_an_lec_assessment_sets_level_control_and_history(
    client: TestClient, edu: dict[str, str], school: int, owner_url: str
) -> None:
    data = point(assessment={"method": "lec", "l": "6", "e": "6", "c": "7", "note": "现场评价"})
    r = client.post(f"{URL}/{school}/risk-points", json=data, headers=edu)
    assert r.status_code == 201, r.text
    p = r.json()
    # D = 6 × 6 × 7 = 252: 较大风险 (orange), controlled at department level by default.
    assert (p["method"], p["level"], p["colour"]) == ("lec", "significant", "orange")
    assert float(p["score"]) == 252 and p["control_level"] == "department"
    # Codes or their Chinese names are taken, and kept in the vocabulary's order as codes.
    assert p["accident_types"] == ["fire", "other_explosion"]
    assert [m["kind"] for m in p["measures"]] == ["engineering", "management"]
    with committed(owner_url) as conn:
        history = conn.execute(
            text("select method, score, level from risk_assessment where risk_point_id = :p"),
            {"p": p["id"]},
        ).all()
    assert [(h.method, float(h.score), h.level) for h in history] == [("lec", 252.0, "significant")]

    site = client.get(f"{URL}/{school}", headers=edu).json()
    assert site["highest_level"] == "significant" and site["points"]["orange"] >= 1


def test_a_direct_level_and_the_leader_of_a_major_one(
    client: TestClient, edu: dict[str, str], school: int
) -> None:
    r = client.post(f"{URL}/{school}/risk-points", json=point(level="low"), headers=edu)
    assert r.status_code == 201 and r.json()["level"] == "low" and r.json()["method"] is None
    r = client.post(f"{URL}/{school}/risk-points", json=point(level="major"), headers=edu)
    assert r.status_code == 400 and r.json()["field"] == "control_leader"
    r = client.post(
        f"{URL}/{school}/risk-points",
        json=point(level="major", control_leader="王校长"),
        headers=edu,
    )
    assert r.status_code == 201 and r.json()["control_level"] == "company"
    r = client.post(f"{URL}/{school}/risk-points", json=point(), headers=edu)
    assert r.status_code == 400 and r.json()["field"] == "level"


def test_bad_fields_are_named(client: TestClient, edu: dict[str, str], school: int) -> None:
    bad = point(kind="rocket", assessment={"method": "lec", "l": "7", "e": "6", "c": "7"})
    r = client.post(f"{URL}/{school}/risk-points", json=bad, headers=edu)
    assert r.status_code == 400 and r.json()["field"] == "kind"
    bad = point(assessment={"method": "lec", "l": "7", "e": "6", "c": "7"})
    r = client.post(f"{URL}/{school}/risk-points", json=bad, headers=edu)
    assert r.status_code == 400 and r.json()["field"] == "assessment.l"


def test_reassessment_follows_the_new_level(
    client: TestClient, edu: dict[str, str], school: int
) -> None:
    created = client.post(f"{URL}/{school}/risk-points", json=point(level="general"), headers=edu)
    pid = created.json()["id"]
    url = f"{URL}/{school}/risk-points/{pid}/assessments"
    r = client.post(url, json={"method": "ls", "l": "5", "s": "5"}, headers=edu)
    assert r.status_code == 400 and r.json()["field"] == "control_leader"
    r = client.post(
        url, json={"method": "ls", "l": "5", "s": "5", "control_leader": "王校长"}, headers=edu
    )
    assert r.status_code == 201, r.text
    assert (r.json()["level"], float(r.json()["score"]), r.json()["control_level"]) == (
        "major",
        25.0,
        "company",
    )
    r = client.post(url, json={"method": "ls", "l": "2", "s": "3"}, headers=edu)
    assert r.json()["level"] == "low" and r.json()["control_level"] == "post"


def test_a_unit_of_another_site_is_refused(
    client: TestClient, edu: dict[str, str], school: int, owner_url: str
) -> None:
    with committed(owner_url) as conn:
        other_school = site_of(conn, "school")
        foreign_unit = conn.execute(
            text("select id from org_unit where tenant_id = :t limit 1"), {"t": other_school}
        ).scalar_one()
    r = client.post(
        f"{URL}/{school}/risk-points",
        json=point(level="low", org_unit_id=foreign_unit),
        headers=edu,
    )
    assert r.status_code == 400 and r.json()["field"] == "org_unit_id"


def test_other_sectors_sites_and_enterprises_are_out_of_reach(
    client: TestClient, edu: dict[str, str], owner_url: str
) -> None:
    with committed(owner_url) as conn:
        hospital = site_of(conn, "hospital")
        factory = enterprise_in(conn, TOWN)
        industrial = conn.execute(
            text(
                "select min(id) from enterprise where kind = 'enterprise' and sector = 'industry'"
                " and jurisdiction_path <@ cast(:p as ltree)"
            ),
            {"p": DISTRICT},
        ).scalar_one()
    for tenant in (hospital, factory):
        r = client.post(f"{URL}/{tenant}/risk-points", json=point(level="low"), headers=edu)
        assert r.status_code == 404, r.text
        assert client.get(f"{URL}/{tenant}/risk-points", headers=edu).status_code == 404
    # The industry department sees its enterprises, but their risk points are theirs to make.
    industry = token(client, "industry320585")
    assert client.get(f"{URL}/{industrial}", headers=industry).status_code == 200
    r = client.post(f"{URL}/{industrial}/risk-points", json=point(level="low"), headers=industry)
    assert r.status_code == 403
