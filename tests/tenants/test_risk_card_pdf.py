"""The post risk notice card 岗位风险告知卡 as an A4 PDF: its Chinese text (point, level,
measures, emergency numbers), its embedded Noto CJK fonts, and who may print it."""

from __future__ import annotations

import io

import pypdf
from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import page_login
from tests.tenants.factories import (
    committed,
    company,
    make_risk_point,
    make_unit,
    other_tenant,
    tenant_of,
)


def read(pdf: bytes) -> tuple[str, set[str], int]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    words = "".join(p.extract_text() for p in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).replace("-", ""))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    return "".join(words.split()), fonts, len(reader.pages)


def test_card_of_one_point(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        shop = make_unit(conn, t, "告知卡冲压车间", "workshop")
        post = make_unit(conn, t, "告知卡冲床岗", "post", shop)
        pid = make_risk_point(
            conn,
            t,
            post,
            name="告知卡冲床",
            level="significant",
            measures=(
                ("engineering", "光电保护装置灵敏有效"),
                ("management", "执行冲床安全操作规程"),
                ("ppe", "佩戴防护手套"),
                ("emergency", "夹手时立即按急停按钮"),
            ),
        )
        conn.execute(
            text(
                "update risk_point set responsible_name = '张师傅', emergency_phone = '0512-53000000'"
                " where id = :i"
            ),
            {"i": pid},
        )
    page_login(client, "worker")
    r = client.get(f"/enterprise/risks/{pid}/card.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    words, fonts, _ = read(r.content)
    for expected in (
        "岗位风险告知卡",
        "告知卡冲床",
        "较大风险",
        "机械伤害",  # accident type
        "物的因素",  # hazard factor
        "光电保护装置灵敏有效",
        "执行冲床安全操作规程",
        "佩戴防护手套",
        "夹手时立即按急停按钮",
        "工程技术措施",
        "应急处置措施",
        "张师傅",
        "119",
        "120",
        "110",
        "0512-53000000",
    ):
        assert expected in words, expected
    assert any("NotoSansCJK" in f for f in fonts), fonts
    assert any("NotoSerifCJK" in f for f in fonts), fonts


def test_card_of_a_unit_lists_every_active_point(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        post = make_unit(conn, t, "告知卡焊接岗", "post")
        make_risk_point(conn, t, post, name="告知卡电焊机", level="general")
        make_risk_point(conn, t, post, name="告知卡气瓶", level="major")
        gone = make_risk_point(conn, t, post, name="告知卡旧砂轮")
        conn.execute(text("update risk_point set status = 'retired' where id = :i"), {"i": gone})
    page_login(client, "safety")
    r = client.get("/enterprise/risks/card.pdf", params={"org_unit_id": post})
    assert r.status_code == 200
    words, _, _ = read(r.content)
    assert "告知卡电焊机" in words and "告知卡气瓶" in words and "告知卡旧砂轮" not in words
    assert "最高风险等级：重大风险" in words and "一般风险" in words


def test_another_tenants_card_is_404(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        other = other_tenant(conn, tenant_of(conn, "boss"))
        theirs = make_risk_point(conn, other, company(conn, other), name="别家告知卡")
        their_unit = company(conn, other)
    page_login(client, "safety")
    assert client.get(f"/enterprise/risks/{theirs}/card.pdf").status_code == 404
    r = client.get("/enterprise/risks/card.pdf", params={"org_unit_id": their_unit})
    assert r.status_code == 404
