"""QR codes and the reminders pages through HTTP: each kind of code resolves, another
tenant's code is 404, labels print as HTML and PDF, forms keep what was typed."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import text

from anwang.tenants.reminders import qr
from tests.api import page_login
from tests.tenants.factories import (
    committed,
    company,
    make_risk_point,
    make_unit,
    make_user,
    other_tenant,
)
from tests.tenants.test_reminders_scan import fresh_tenant, make_certificate, make_equipment

PASSWORD = "anwang123"


@pytest.fixture
def client(owner_url: str) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def place(owner_url: str) -> dict[str, object]:
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        shop = make_unit(conn, t, "装配车间")
        post = make_unit(conn, t, "装配岗", "post", parent_id=shop)
        rp = make_risk_point(conn, t, post, "装配线夹伤风险", "major",
                             measures=(("engineering", "双手按钮完好"), ("ppe", "戴防护手套")))  # fmt: skip
        second = make_risk_point(conn, t, post, "装配岗触电风险", "low")
        eq = make_equipment(conn, t, shop, name="行车", risk_point_id=rp)
        tokens = {
            "risk_point": conn.execute(text("select qr_token from risk_point where id = :i"), {"i": rp}).scalar_one(),
            "post": conn.execute(text("select qr_token from org_unit where id = :i"), {"i": post}).scalar_one(),
            "equipment": conn.execute(text("select qr_token from equipment where id = :i"), {"i": eq}).scalar_one(),
            "shop": conn.execute(text("select qr_token from org_unit where id = :i"), {"i": shop}).scalar_one(),
        }  # fmt: skip
        theirs_t = other_tenant(conn, t)
        theirs = make_risk_point(conn, theirs_t, company(conn, theirs_t), "别家风险点")
        their_token = conn.execute(
            text("select qr_token from risk_point where id = :i"), {"i": theirs}
        ).scalar_one()
        return {
            "tenant": t, "boss": make_user(conn, t, "boss"), "rp": rp, "second": second,
            "eq": eq, "post": post, "tokens": tokens, "their_token": their_token,
        }  # fmt: skip


def test_the_code_carries_the_scan_url_and_renders_as_svg() -> None:
    url = qr.scan_url("http://anwang.example:8000/", "0123456789abcdef0123456789abcdef")
    assert url == "http://anwang.example:8000/q/0123456789abcdef0123456789abcdef"
    code = qr.make(url)
    # A whole QR code (not micro), error level M, big enough for the URL, square matrix.
    assert not code.is_micro and code.error == "M"
    assert len(code.matrix) == len(code.matrix[0]) == 17 + 4 * int(code.version)
    assert code == qr.make(url)  # deterministic: the printed label matches the page
    svg = qr.svg(url)
    assert svg.startswith("<svg") and "<path" in svg and "<?xml" not in svg
    assert qr.data_uri(url).startswith("data:image/svg+xml")


def test_each_kind_of_code_opens_its_card(client: TestClient, place: dict) -> None:
    page_login(client, place["boss"])
    tokens = place["tokens"]
    r = client.get(f"/q/{tokens['risk_point']}")
    assert r.status_code == 200
    assert "装配线夹伤风险" in r.text and "重大风险" in r.text and "双手按钮完好" in r.text
    assert f'href="/enterprise/checks/start?risk_point_id={place["rp"]}"' in r.text
    assert f'href="/enterprise/risks/{place["rp"]}"' in r.text
    r = client.get(f"/q/{tokens['post']}")
    assert r.status_code == 200 and "装配岗" in r.text
    assert f"risk_point_id={place['rp']}" in r.text and f"risk_point_id={place['second']}" in r.text
    r = client.get(f"/q/{tokens['equipment']}")
    assert r.status_code == 200 and "行车" in r.text and "装配线夹伤风险" in r.text
    assert f"risk_point_id={place['rp']}" in r.text
    # A unit that is not a post has no code; another tenant's code does not exist here.
    assert client.get(f"/q/{tokens['shop']}").status_code == 404
    assert client.get(f"/q/{place['their_token']}").status_code == 404


def test_a_code_needs_a_login_and_comes_back_after_it(client: TestClient, place: dict) -> None:
    token = place["tokens"]["risk_point"]
    r = client.get(f"/q/{token}", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == f"/login?next=/q/{token}"


def test_label_sheet_and_pdf(client: TestClient, place: dict) -> None:
    page_login(client, place["boss"])
    ids = f"{place['rp']},{place['second']}"
    r = client.get(f"/enterprise/qr/labels?kind=risk_point&ids={ids}")
    assert r.status_code == 200
    assert r.text.count('<figure class="label') == 2 and r.text.count("<svg") >= 2
    assert "装配线夹伤风险" in r.text and "level-red" in r.text and "level-blue" in r.text
    r = client.get(f"/enterprise/qr/labels.pdf?kind=risk_point&ids={ids}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    assert len(pdf.pages) == 1
    content = pdf.pages[0].extract_text().replace("\n", "")
    assert "装配线夹伤风险" in content and "装配岗触电风险" in content
    assert client.get("/enterprise/qr/labels?kind=bogus").status_code == 400
    posts = client.get(f"/enterprise/qr/labels?kind=post&ids={place['post']}")
    assert posts.status_code == 200 and "装配岗" in posts.text and "level-red" in posts.text


def test_equipment_form_keeps_input_on_errors(client: TestClient, place: dict) -> None:
    page_login(client, place["boss"])
    csrf = {"x-csrftoken": client.cookies["anwang_csrf"]}
    r = client.post(
        "/enterprise/reminders/equipment/new",
        data={"name": "5吨行车", "org_unit_id": "", "serial_number": "SN-778",
              "last_inspected_on": "2026-06-01", "next_inspection_on": "2026-05-01",
              "status": "in_use"},
        headers=csrf,
    )  # fmt: skip
    assert r.status_code == 400
    assert 'value="5吨行车"' in r.text and 'value="SN-778"' in r.text
    assert "请选择所在部门" in r.text
    before = client.get("/api/v1/equipment")  # no bearer: the API refuses cookies
    assert before.status_code == 401


def test_home_shows_alarms_before_the_numbers_and_resolves_one(
    client: TestClient, place: dict, owner_url: str
) -> None:
    china = ZoneInfo("Asia/Shanghai")
    today = datetime.now(UTC).astimezone(china).date()
    with committed(owner_url) as conn:
        cert = make_certificate(conn, int(place["tenant"]), today - timedelta(days=1))
    page_login(client, place["boss"])
    # Saving through the page raises the alarm (the edit refreshes the subject's alarms).
    csrf = {"x-csrftoken": client.cookies["anwang_csrf"]}
    r = client.post(
        f"/enterprise/reminders/certificates/{cert}",
        data={"kind": "safety_licence", "name": "安全生产许可证", "expires_on": (today - timedelta(days=1)).isoformat()},
        files={"file": ("", b"", "application/octet-stream")},
        headers=csrf, follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    home = client.get("/enterprise").text
    assert home.index('id="alarms"') < home.index('id="numbers"') < home.index('id="profile"')
    assert "证照已过期：安全生产许可证" in home
    assert re.search(r'id="n-risk-red">1<', home) and re.search(r'id="n-risk-blue">1<', home)
    alarm = re.search(r"/enterprise/reminders/alarms/(\d+)/resolve\?back=/enterprise", home)
    assert alarm
    r = client.post(alarm.group(0), headers=csrf, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/enterprise#alarms"
    assert "证照已过期：安全生产许可证" not in client.get("/enterprise").text
