"""A sector department registers its fixed sites: the education bureau registers a school in a
grid of its district (with the site's root unit), not a hospital, not in another district, not
a code with a wrong check digit or one already registered; the health commission does not see
the new school; an emergency-bureau officer does not register sites here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import token
from tests.supervision.sites_support import (
    District,
    add_other_district,
    credit_code,
    grid_of,
    remove_other_district,
    unique_name,
)
from tests.tenants.factories import committed

URL = "/api/v1/sector/sites"


@pytest.fixture(scope="module")
def other(owner_url: str) -> Iterator[District]:
    with committed(owner_url) as conn:
        d = add_other_district(conn)
    yield d
    with committed(owner_url) as conn:
        remove_other_district(conn)


def school(grid: int, **kw: Any) -> dict[str, Any]:
    return {
        "name": unique_name(),
        "site_type": "school",
        "credit_code": credit_code(),
        "jurisdiction_id": grid,
        "address": "太仓市城厢镇人民路1号",
        "legal_representative": "周校长",
        "lon": 121.11,
        "lat": 31.46,
        **kw,
    }


def test_education_registers_a_school(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        grid = grid_of(conn)
    edu = token(client, "edu")
    data = school(grid)
    r = client.post(URL, json=data, headers=edu)
    assert r.status_code == 201, r.text
    site = r.json()
    assert (site["kind"], site["site_type"], site["name"]) == (
        "public_site",
        "school",
        data["name"],
    )
    assert site["site_type_name"] == "学校" and site["highest_level"] is None
    with committed(owner_url) as conn:
        row = conn.execute(
            text("select sector, industry, jurisdiction_path::text from enterprise where id = :i"),
            {"i": site["id"]},
        ).one()
        root = conn.execute(
            text("select name, kind from org_unit where tenant_id = :i and parent_id is null"),
            {"i": site["id"]},
        ).one()
    assert row.sector == "education" and row.industry == "教育"
    assert row.jurisdiction_path.endswith("320585100001")
    assert (root.name, root.kind) == (data["name"], "company")

    listed = client.get(f"{URL}?type=school&limit=500", headers=edu).json()
    assert site["id"] in [s["id"] for s in listed["items"]]
    assert listed["by_type"]["school"] >= 3
    # Health does not see it: another sector's id answers 404.
    assert client.get(f"{URL}/{site['id']}", headers=token(client, "health")).status_code == 404
    assert client.get(f"{URL}/{site['id']}", headers=edu).status_code == 200


def test_a_hospital_is_not_educations_to_register(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        grid = grid_of(conn)
    r = client.post(URL, json=school(grid, site_type="hospital"), headers=token(client, "edu"))
    assert r.status_code == 400 and r.json()["field"] == "site_type"
    assert "学校" in r.json()["detail"]
    r = client.post(
        URL,
        json=school(grid, site_type="hospital", name=unique_name("测试医院")),
        headers=token(client, "health"),
    )
    assert r.status_code == 201, r.text


def test_another_district_is_refused(client: TestClient, other: District) -> None:
    r = client.post(URL, json=school(other.grid), headers=token(client, "edu"))
    assert r.status_code == 400 and r.json()["field"] == "jurisdiction_id"


def test_a_town_is_not_a_grid(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        town = grid_of(conn, "320585100")
    r = client.post(URL, json=school(town), headers=token(client, "edu"))
    assert r.status_code == 400 and r.json()["field"] == "jurisdiction_id"


def test_credit_codes_are_checked(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        grid = grid_of(conn)
    edu = token(client, "edu")
    good = credit_code()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    r = client.post(URL, json=school(grid, credit_code=wrong), headers=edu)
    assert r.status_code == 400 and "校验位" in r.text
    assert client.post(URL, json=school(grid, credit_code=good), headers=edu).status_code == 201
    r = client.post(URL, json=school(grid, credit_code=good.lower()), headers=edu)
    assert r.status_code == 409 and r.json()["field"] == "credit_code"


def test_only_sector_departments_register_here(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        grid = grid_of(conn)
    for user in ("bureau", "safety"):
        assert client.post(URL, json=school(grid), headers=token(client, user)).status_code == 403
