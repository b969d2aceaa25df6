"""Risk lists in Excel: the minimal four-column sheet and the full template imported whole, broken
files refused whole with every row/column problem and nothing written, the template's drop-downs
and instructions, and the graded control list export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from tests.api import page_login
from tests.tenants.factories import committed, company, make_risk_point, make_unit, tenant_of

API = "/api/v1/risk-points"


@pytest.fixture(scope="module")
def h(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": "safety", "password": "anwang123"})
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def units(owner_url: str) -> dict[str, Any]:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        root = company(conn, t)
        root_name = conn.execute(
            text("select name from org_unit where id = :i"), {"i": root}
        ).scalar_one()
        dept = make_unit(conn, t, "导入生产部", "department", root)
        shop = make_unit(conn, t, "导入冲压车间", "workshop", dept)
        post = make_unit(conn, t, "导入冲床岗", "post", shop)
    return {"root": root, "root_name": root_name, "dept": dept, "shop": shop, "post": post}


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(
    client: TestClient,
    h: dict[str, str],
    content: bytes,
    unit: int | None = None,
    name: str = "清单.xlsx",
) -> Any:
    data = {"org_unit_id": str(unit)} if unit is not None else {}
    return client.post(f"{API}/import", headers=h, files={"file": (name, content)}, data=data)


def counts(owner_url: str) -> tuple[int, int, int]:
    with committed(owner_url) as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(text(f"select count(*) from {t}")).scalar_one())
            for t in ("risk_point", "control_measure", "risk_assessment")
        )


MINIMAL_HEADER = ["风险点", "防控要求", "检查频次", "检查结果"]


def test_minimal_sheet_is_imported_into_the_chosen_unit(
    client: TestClient, h: dict[str, str], units: dict[str, Any]
) -> None:
    content = xlsx(
        [
            ["冲床岗位风险点清单"],  # a title row above the header is allowed
            MINIMAL_HEADER,
            [
                "简表冲床",
                "1、双手按钮完好\n2、【工程】光电保护有效\n【防护】戴防护手套",
                "每班",
                "",
            ],
            ["简表配电箱", "箱门关闭上锁", "每天", "正常"],
            ["简表消防器材", "【应急】发现火情立即报警", "每季度", ""],
            [None, None, None, None],
        ]
    )
    r = upload(client, h, content, units["post"])
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 3
    listed = client.get(API, headers=h, params={"org_unit_id": units["post"], "q": "简表"}).json()
    by_name = {p["name"]: p for p in listed["items"]}
    press = by_name["简表冲床"]
    assert press["kind"] == "post" and press["inspection_frequency"] == "shift"
    assert [(m["kind"], m["content"]) for m in press["measures"]] == [
        ("management", "双手按钮完好"),
        ("engineering", "光电保护有效"),
        ("ppe", "戴防护手套"),
    ]
    assert by_name["简表配电箱"]["inspection_frequency"] == "daily"
    assert by_name["简表消防器材"]["inspection_frequency"] == "quarterly"
    assert by_name["简表消防器材"]["measures"][0]["kind"] == "emergency"


def full_sheet(rows: list[dict[str, Any]]) -> bytes:
    """The downloadable template with its example row replaced by `rows`."""
    from anwang.tenants.risk.excel import FULL_HEADERS, template_workbook

    wb = load_workbook(io.BytesIO(template_workbook()))
    sheet = wb["风险点清单"]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append([row.get(h, "") for h in FULL_HEADERS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_full_template_is_imported_with_assessments(
    client: TestClient, h: dict[str, str], units: dict[str, Any]
) -> None:
    path = f"{units['root_name']} / 导入生产部 / 导入冲压车间"
    content = full_sheet(
        [
            {
                "所属单位": path,
                "风险点名称": "全表行车",
                "风险点类型": "设备设施",
                "位置": "冲压车间",
                "危险有害因素": "物的因素、管理因素",
                "事故类型": "起重伤害、物体打击",
                "工程技术措施": "限位器有效\n吊钩防脱钩装置完好",
                "管理措施": "持证操作",
                "应急处置措施": "吊物坠落立即撤离",
                "检查频次": "每日",
                "责任人": "王班长",
                "评价方法": "LEC",
                "L": 3,
                "E": 6,
                "C": 15,
                "挂牌负责人": "",
            },
            {
                "所属单位": "导入冲床岗",  # a unique name is enough
                "风险点名称": "全表粉尘除尘器",
                "风险点类型": "作业场所",
                "事故类型": "其他爆炸",
                "检查频次": "每周",
                "评价方法": "直接判定",
                "重大风险判定情形": "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施",
                "挂牌负责人": "周总 副总经理",
            },
            {
                "所属单位": path,
                "风险点名称": "全表叉车",
                "风险点类型": "作业活动",
                "检查频次": "每月",
                "评价方法": "LS",
                "L": 2,
                "S": 3,
                "管控层级": "部门级",
            },
        ]
    )
    r = upload(client, h, content)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    points = [client.get(f"{API}/{i}", headers=h).json() for i in ids]
    crane, dust, forklift = points
    assert crane["org_unit_id"] == units["shop"] and crane["score"] is not None
    assert (crane["level"], crane["control_level"]) == ("significant", "department")  # 270
    assert crane["accident_types"] == ["struck_by_object", "lifting"]
    assert [m["kind"] for m in crane["measures"]] == [
        "engineering",
        "engineering",
        "management",
        "emergency",
    ]
    assert (dust["level"], dust["control_level"], dust["control_leader"]) == (
        "major",
        "company",
        "周总 副总经理",
    )
    assert dust["org_unit_id"] == units["post"]
    assert (forklift["level"], forklift["control_level"], forklift["control_level_overridden"]) == (
        "low",
        "department",
        True,
    )
    assert len(client.get(f"{API}/{crane['id']}/assessments", headers=h).json()) == 1


def test_bad_minimal_sheet_is_refused_whole_with_each_problem(
    client: TestClient, h: dict[str, str], units: dict[str, Any], owner_url: str
) -> None:
    before = counts(owner_url)
    content = xlsx(
        [
            MINIMAL_HEADER,
            ["坏表好行", "防护罩完好", "每班", ""],
            ["坏表频次", "防护罩完好", "每两小时", ""],
            ["", "没有名字的措施", "每周", ""],
            ["坏表前缀", "【祈祷】保佑平安", "每月", ""],
        ]
    )
    r = upload(client, h, content, units["shop"])
    assert r.status_code == 422, r.text
    report = r.json()
    assert "未导入任何数据" in report["detail"]
    problems = [(e["row"], e["column"], e["value"]) for e in report["errors"]]
    assert problems == [
        (3, "检查频次", "每两小时"),
        (4, "风险点", ""),
        (5, "防控要求", "【祈祷】保佑平安"),
    ]
    assert "每班" in report["errors"][0]["problem"]
    assert counts(owner_url) == before


def test_bad_full_sheet_is_refused_with_row_and_column(
    client: TestClient, h: dict[str, str], units: dict[str, Any], owner_url: str
) -> None:
    before = counts(owner_url)
    content = full_sheet(
        [
            {
                "所属单位": "导入冲床岗",
                "风险点名称": "全表好行",
                "风险点类型": "设备设施",
                "检查频次": "每班",
            },
            {
                "所属单位": "导入冲床岗",
                "风险点名称": "全表坏事故类型",
                "风险点类型": "设备设施",
                "事故类型": "机械伤害、雷击",
                "检查频次": "每班",
            },
            {
                "所属单位": "导入冲床岗",
                "风险点名称": "",
                "风险点类型": "设备设施",
                "检查频次": "每班",
            },
            {
                "所属单位": "不存在的车间",
                "风险点名称": "全表坏单位",
                "风险点类型": "设备设施",
                "检查频次": "每小时",
                "评价方法": "LEC",
                "L": 2,
                "E": 6,
                "C": 7,
            },
            {
                "所属单位": "导入冲床岗",
                "风险点名称": "全表红色无人挂牌",
                "风险点类型": "设备设施",
                "检查频次": "每班",
                "评价方法": "LEC",
                "L": 10,
                "E": 10,
                "C": 40,
            },
        ]
    )
    r = upload(client, h, content)
    assert r.status_code == 422, r.text
    got = {(e["row"], e["column"]) for e in r.json()["errors"]}
    assert got == {
        (3, "事故类型"),
        (4, "风险点名称"),
        (5, "所属单位"),
        (5, "检查频次"),
        (5, "L"),
        (6, "挂牌负责人"),
    }
    accident = next(e for e in r.json()["errors"] if e["column"] == "事故类型")
    assert "雷击" in accident["problem"] and accident["value"] == "机械伤害、雷击"
    assert counts(owner_url) == before


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "清单.xlsx", "不是 Excel"),
        ("风险点,防控要求,检查频次\n冲床,防护罩,每班\n".encode(), "清单.csv", "不是 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "清单.xls", "不是 Excel"),
        (b"PK\x03\x04" + b"\0" * 100, "清单.xlsx", "损坏"),
        (b"", "清单.xlsx", "空"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(
    client: TestClient,
    h: dict[str, str],
    units: dict[str, Any],
    owner_url: str,
    content: bytes,
    name: str,
    words: str,
) -> None:
    before = counts(owner_url)
    r = upload(client, h, content, units["shop"], name)
    assert r.status_code == 422, r.text
    assert words in r.json()["detail"]
    assert counts(owner_url) == before


def test_a_zip_that_is_not_a_workbook_and_a_huge_file_are_refused(
    client: TestClient, h: dict[str, str], units: dict[str, Any]
) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    r = upload(client, h, out.getvalue(), units["shop"])
    assert r.status_code == 422 and "不是 Excel" in r.json()["detail"]
    r = upload(client, h, b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 10), units["shop"])
    assert r.status_code == 422 and "超过 5 MB" in r.json()["detail"]


def test_template_has_drop_downs_and_instructions(client: TestClient) -> None:
    from anwang.tenants.risk.excel import FULL_HEADERS

    page_login(client, "worker")
    r = client.get("/enterprise/risks/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert {"风险点清单", "选项", "填写说明"} <= set(wb.sheetnames)
    sheet = wb["风险点清单"]
    headers = [c.value.rstrip("*") for c in sheet[1]]
    assert tuple(headers) == FULL_HEADERS
    options = wb["选项"]
    validated: dict[str, list[str]] = {}
    for dv in sheet.data_validations.dataValidation:
        column = str(dv.sqref).split(":")[0].rstrip("0123456789")
        header = headers[[c.column_letter for c in sheet[1]].index(column)]
        source = dv.formula1.split("!")[1].replace("$", "")
        start, end = source.split(":")
        values = [c.value for row in options[f"{start}:{end}"] for c in row]
        validated[header] = [str(v) for v in values]
        assert dv.type == "list"
    assert validated["风险点类型"] == ["设备设施", "作业活动", "作业场所", "岗位"]
    assert validated["检查频次"] == ["每班", "每日", "每周", "每月", "每季度", "每年"]
    assert len(validated["事故类型"]) == 20 and "中毒和窒息" in validated["事故类型"]
    assert validated["评价方法"] == ["LEC", "LS", "直接判定"]
    assert validated["C"] == ["100", "40", "15", "7", "3", "1"]
    assert validated["E"] == ["10", "6", "3", "2", "1", "0.5"]
    assert validated["S"] == ["1", "2", "3", "4", "5"]
    assert {"10", "0.1", "5", "2"} <= set(validated["L"])
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "D > 320" in notes and "都不会导入" in notes


def test_export_of_the_graded_control_list(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        unit = make_unit(conn, t, "导出车间", "workshop")
        red = make_risk_point(
            conn,
            t,
            unit,
            name="导出液氨储罐",
            level="major",
            measures=(("engineering", "泄漏报警装置有效"), ("emergency", "启动应急预案")),
        )
        conn.execute(
            text("update risk_point set control_leader = '钱总' where id = :i"), {"i": red}
        )
        make_risk_point(conn, t, unit, name="导出配电箱", level="low")
    page_login(client, "boss")
    r = client.get("/enterprise/risks/export.xlsx", params={"org_unit_id": unit})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["风险分级管控清单"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [r["风险点名称"] for r in rows] == ["导出液氨储罐", "导出配电箱"]
    first = rows[0]
    assert (first["风险等级"], first["风险颜色"], first["管控层级"], first["挂牌负责人"]) == (
        "重大风险",
        "红",
        "公司级",
        "钱总",
    )
    assert "【工程技术】泄漏报警装置有效" in first["管控措施"]
    assert first["检查频次"] == "每日" and first["所属单位"].endswith("导出车间")
    assert sheet.cell(row=2, column=header.index("风险等级") + 1).fill.fgColor.rgb == "FFD93026"
    assert sheet.cell(row=3, column=header.index("风险等级") + 1).fill.fgColor.rgb == "FF1F6FD6"
