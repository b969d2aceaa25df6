"""Risk lists in Excel: import of the minimal four-column sheet (风险点/防控要求/检查频次/检查结果)
and of our full template, the template itself (drop-down lists and instructions), and the
export of the graded control list 分级管控清单.

An import is all or nothing: every row is checked first, and a file with any problem is
refused with the row, column, problem and value of each, so a person can fix the sheet."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError
from anwang.platform.principal import Principal
from anwang.tenants import vocabulary as V
from anwang.tenants.org import access
from anwang.tenants.org.repository import unit_choices
from anwang.tenants.risk import grading, repository, service
from anwang.tenants.risk.schemas import (
    AssessmentIn,
    ImportProblem,
    MeasureIn,
    RiskPointCreate,
    RiskPointRead,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024  # a zip bomb stops here
MAX_ROWS = 2000
SHEET = "风险点清单"

MINIMAL_COLUMNS = ("风险点", "防控要求", "检查频次", "检查结果")

# Chinese words for the inspection frequency, as people write them.
FREQUENCY_WORDS: dict[str, str] = {
    "每班": "shift",
    "每班次": "shift",
    "班前": "shift",
    "每个班次": "shift",
    "每天": "daily",
    "每日": "daily",
    "每天一次": "daily",
    "每日一次": "daily",
    "天": "daily",
    "日": "daily",
    "每周": "weekly",
    "每星期": "weekly",
    "每周一次": "weekly",
    "周": "weekly",
    "每月": "monthly",
    "每月一次": "monthly",
    "月": "monthly",
    "每季": "quarterly",
    "每季度": "quarterly",
    "每季度一次": "quarterly",
    "季度": "quarterly",
    "每年": "yearly",
    "每年一次": "yearly",
    "年": "yearly",
    **{name: code for code, name in V.FREQUENCIES.items()},
    **{code: code for code in V.FREQUENCIES},
}

# 【工程】… prefixes of a line of 防控要求, naming the measure's kind.
MEASURE_PREFIXES: dict[str, str] = {
    "工程": "engineering",
    "工程技术": "engineering",
    "技术": "engineering",
    "管理": "management",
    "培训": "training",
    "教育": "training",
    "培训教育": "training",
    "防护": "ppe",
    "个体防护": "ppe",
    "个人防护": "ppe",
    "应急": "emergency",
    "应急处置": "emergency",
}
_PREFIX = re.compile(r"^[【\[]([^】\]]{1,8})[】\]]\s*")
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[、.．)）]|[（(]\d{1,3}[)）]|[①-⑳])\s*")
_SPLIT_LIST = re.compile(r"[、,，;；/\s]+")

METHOD_WORDS: dict[str, str] = {
    "lec": "lec",
    "LEC": "lec",
    "LEC法": "lec",
    "作业条件危险性分析法": "lec",
    "ls": "ls",
    "LS": "ls",
    "LS法": "ls",
    "风险矩阵法": "ls",
    "direct": "direct",
    "直接判定": "direct",
    "直接判定法": "direct",
}
METHOD_CHOICES = ("LEC", "LS", "直接判定")

# The full template: (header, width, note for the instructions sheet).
MEASURE_COLUMNS = {
    "engineering": "工程技术措施",
    "management": "管理措施",
    "training": "培训教育措施",
    "ppe": "个体防护措施",
    "emergency": "应急处置措施",
}
FULL_COLUMNS: tuple[tuple[str, int, str], ...] = (
    (
        "所属单位",
        28,
        "必填。组织机构中的单位路径，如“本公司 / 生产部 / 冲压车间”；名称唯一时也可只填单位名称",
    ),
    ("风险点名称", 20, "必填，不超过100字"),
    ("风险点类型", 12, "必填，从下拉列表选择：" + "、".join(V.RISK_POINT_KINDS.values())),
    ("位置", 14, "选填"),
    ("危险有害因素", 18, "选填，可填多个，用“、”分隔：" + "、".join(V.HAZARD_FACTORS.values())),
    ("事故类型", 20, "选填，可填多个，用“、”分隔；须为GB 6441的20类之一（下拉列表可选一个）"),
    *((name, 30, "选填，每条一行（单元格内换行）") for name in MEASURE_COLUMNS.values()),
    ("检查频次", 10, "必填，从下拉列表选择：" + "、".join(V.FREQUENCIES.values())),
    ("责任人", 10, "选填，姓名；与本企业账号姓名相同时自动关联该账号"),
    ("评价方法", 10, "选填，LEC、LS 或 直接判定；不填则导入后为“未评价”"),
    ("L", 6, "LEC法：10、6、3、1、0.5、0.2、0.1；LS法：1～5"),
    ("E", 6, "LEC法：10、6、3、2、1、0.5"),
    ("C", 6, "LEC法：100、40、15、7、3、1"),
    ("S", 6, "LS法：1～5"),
    ("重大风险判定情形", 30, "直接判定法必填；符合重大风险判定情形的，无论分值均为重大风险"),
    ("挂牌负责人", 12, "重大风险必填：挂牌管控的公司负责人姓名和职务"),
    ("管控层级", 12, "选填，不填则按风险等级确定：" + "、".join(V.CONTROL_LEVELS.values())),
)
FULL_HEADERS = tuple(c[0] for c in FULL_COLUMNS)

FILLS = {"red": "FFD93026", "orange": "FFE8750C", "yellow": "FFFFD500", "blue": "FF1F6FD6"}
HEADER_FILL = PatternFill("solid", fgColor="FFDCE6F2")


class ImportRefused(DomainError):
    """The whole file is refused; `problems` lists every row/column to fix."""

    status_code = 422

    def __init__(self, message: str, problems: Sequence[ImportProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class Row:
    """One sheet row on its way to a risk point: its Excel row number and the create data."""

    number: int
    data: RiskPointCreate
    columns: dict[str, str]  # service field → sheet column, for the error report


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _open(content: bytes) -> Any:
    """The workbook of an upload that is really an .xlsx, within the size limits."""
    if len(content) > MAX_BYTES:
        raise ImportRefused(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入")
    if not content:
        raise ImportRefused("文件是空的，请选择要导入的 .xlsx 文件")
    if not content.startswith(b"PK\x03\x04"):
        raise ImportRefused(
            "文件不是 Excel（.xlsx）格式；如果是 .xls 或 .csv，请在 Excel 中另存为 .xlsx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                raise ImportRefused("文件不是 Excel（.xlsx）工作簿，请在 Excel 中另存为 .xlsx")
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                raise ImportRefused("文件解压后过大，请拆分后分批导入")
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ImportRefused:
        raise
    except Exception as e:  # a damaged zip or workbook: openpyxl raises many kinds
        raise ImportRefused("文件已损坏或不是有效的 Excel（.xlsx）文件，无法读取") from e


def _sheet_rows(workbook: Any) -> tuple[int, list[str], list[tuple[int, list[Any]]]]:
    """The header row (its number and names) and the data rows after it, of the sheet named
    风险点清单 or else the first sheet."""
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    header_at, header = 0, list[str]()
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(values)
        if not header:
            names = [_text(v).replace("*", "").strip() for v in cells]
            if "风险点" in names or "风险点名称" in names:
                header_at, header = number, names
            elif number >= 10:
                break
            continue
        if any(_text(v) for v in cells):
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，请拆分后分批导入")
    return header_at, header, rows


def measure_lines(
    text: str, default_kind: str = "management"
) -> tuple[list[MeasureIn], str | None]:
    """The lines of a 防控要求 cell as measures: 【工程】-style prefixes name the kind, numbering
    like “1、” is dropped; or the problem with the first bad prefix."""
    measures: list[MeasureIn] = []
    for raw in re.split(r"[\r\n]+", text):
        line = _NUMBERING.sub("", raw.strip())
        if not line:
            continue
        kind = default_kind
        prefix = _PREFIX.match(line)
        if prefix:
            word = prefix.group(1).strip()
            if word.endswith("措施"):
                word = word[:-2]
            if word not in MEASURE_PREFIXES:
                allowed = "、".join(f"【{w}】" for w in ("工程", "管理", "培训", "防护", "应急"))
                return [], f"措施类别“【{prefix.group(1)}】”无法识别，可用：{allowed}"
            kind = MEASURE_PREFIXES[word]
            line = line[prefix.end() :].strip()
            if not line:
                return [], f"“【{prefix.group(1)}】”后面没有措施内容"
        if len(line) > 500:
            return [], "每条措施不能超过500个字"
        measures.append(MeasureIn(kind=kind, content=line))
    return measures, None


def frequency_code(text: str) -> str | None:
    return FREQUENCY_WORDS.get(text.strip().replace(" ", ""))


def _split(text: str) -> list[str]:
    return [t for t in _SPLIT_LIST.split(text) if t]


class _Report:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, row: int, column: str, problem: str, value: Any = "") -> None:
        self.problems.append(
            ImportProblem(row=row, column=column, problem=problem, value=_text(value)[:100])
        )


async def _minimal_rows(
    db: AsyncSession,
    p: Principal,
    header: list[str],
    rows: list[tuple[int, list[Any]]],
    org_unit_id: int | None,
    report: _Report,
) -> list[Row]:
    if org_unit_id is None:
        raise ImportRefused("四列清单（风险点/防控要求/检查频次/检查结果）须先选择导入到哪个单位")
    unit = await repository.get_unit(db, org_unit_id)
    if unit is None:
        raise ImportRefused("所选单位不存在")
    if not await access.can_manage(db, p, org_unit_id):
        raise ImportRefused("您不是所选单位（或其上级单位）的负责人，不能向该单位导入风险点")
    at = {name: header.index(name) for name in MINIMAL_COLUMNS if name in header}
    missing = [name for name in MINIMAL_COLUMNS[:3] if name not in at]
    if missing:
        raise ImportRefused("表头缺少列：" + "、".join(missing))
    kind = "post" if unit.kind == "post" else "place"
    result = []
    for number, cells in rows:

        def cell(name: str, cells: list[Any] = cells) -> str:
            i = at.get(name)
            return _text(cells[i]) if i is not None and i < len(cells) else ""

        name = cell("风险点")
        if not name:
            report.add(number, "风险点", "风险点名称不能为空")
        elif len(name) > 100:
            report.add(number, "风险点", "风险点名称不能超过100个字", name)
        measures, problem = measure_lines(cell("防控要求"))
        if problem:
            report.add(number, "防控要求", problem, cell("防控要求"))
        elif not measures:
            report.add(number, "防控要求", "防控要求不能为空")
        freq = frequency_code(cell("检查频次"))
        if freq is None:
            report.add(
                number,
                "检查频次",
                "检查频次无法识别，可填：每班、每天（每日）、每周、每月、每季度、每年",
                cell("检查频次"),
            )
        if name and freq and not problem:
            result.append(
                Row(
                    number,
                    RiskPointCreate(
                        org_unit_id=org_unit_id,
                        name=name[:100],
                        kind=kind,
                        inspection_frequency=freq,
                        measures=measures,
                    ),
                    {"name": "风险点", "measures": "防控要求", "inspection_frequency": "检查频次"},
                )
            )
    return result


async def _full_rows(
    db: AsyncSession,
    p: Principal,
    header: list[str],
    rows: list[tuple[int, list[Any]]],
    report: _Report,
) -> list[Row]:
    at = {name: header.index(name) for name in FULL_HEADERS if name in header}
    required = ("所属单位", "风险点名称", "风险点类型", "检查频次")
    missing = [n for n in required if n not in at]
    if missing:
        raise ImportRefused("表头缺少列：" + "、".join(missing) + "。请使用下载的导入模板")
    choices = await unit_choices(db)
    by_label = {label.replace(" ", ""): uid for uid, label in choices}
    by_name: dict[str, list[int]] = {}
    for uid, label in choices:
        by_name.setdefault(label.split(" / ")[-1], []).append(uid)
    members = await repository.tenant_members(db)
    member_by_name: dict[str, list[int]] = {}
    for uid, display in members:
        member_by_name.setdefault(display, []).append(uid)
    managed: dict[int, bool] = {}
    rules = {m: await service.effective_rule(db, p, m) for m in grading.SCORED_METHODS}
    columns = {
        "org_unit_id": "所属单位",
        "name": "风险点名称",
        "kind": "风险点类型",
        "location": "位置",
        "hazard_factors": "危险有害因素",
        "accident_types": "事故类型",
        "measures": "管控措施",
        "inspection_frequency": "检查频次",
        "responsible_name": "责任人",
        "control_leader": "挂牌负责人",
        "control_level": "管控层级",
    }
    result = []
    for number, cells in rows:

        def cell(name: str, cells: list[Any] = cells) -> str:
            i = at.get(name)
            return _text(cells[i]) if i is not None and i < len(cells) else ""

        before = len(report.problems)
        unit_text = cell("所属单位")
        unit_id: int | None = by_label.get(re.sub(r"\s+", "", unit_text).replace("／", "/"))
        if unit_id is None:
            same = by_name.get(unit_text, [])
            unit_id = same[0] if len(same) == 1 else None
            if not unit_text:
                report.add(number, "所属单位", "所属单位不能为空")
            elif len(same) > 1:
                report.add(
                    number,
                    "所属单位",
                    "有多个同名单位，请填写完整路径，如“本公司 / 生产部 / 冲压车间”",
                    unit_text,
                )
            elif unit_id is None:
                report.add(number, "所属单位", "组织机构中没有这个单位", unit_text)
        if unit_id is not None:
            if unit_id not in managed:
                managed[unit_id] = await access.can_manage(db, p, unit_id)
            if not managed[unit_id]:
                report.add(
                    number, "所属单位", "您不是该单位（或其上级单位）的负责人，不能导入", unit_text
                )
        kind = service.code_of(V.RISK_POINT_KINDS, cell("风险点类型"))
        freq = service.code_of(V.FREQUENCIES, cell("检查频次")) or frequency_code(cell("检查频次"))
        measures: list[MeasureIn] = []
        for code, column in MEASURE_COLUMNS.items():
            lines, problem = measure_lines(cell(column), default_kind=code)
            if problem:
                report.add(number, column, problem, cell(column))
            measures += lines
        who = cell("责任人")
        who_ids = member_by_name.get(who, []) if who else []
        values: dict[str, Any] = {
            "name": cell("风险点名称"),
            "kind": kind or cell("风险点类型"),
            "location": cell("位置"),
            "hazard_factors": _split(cell("危险有害因素")),
            "accident_types": _split(cell("事故类型")),
            "inspection_frequency": freq or cell("检查频次"),
            "responsible_name": who,
            "control_leader": cell("挂牌负责人"),
            "measures": [],
        }
        if cell("管控层级"):
            values["control_level"] = cell("管控层级")
        _, errors = service.check_fields(values)
        shown = {
            "kind": "风险点类型",
            "inspection_frequency": "检查频次",
            "name": "风险点名称",
            "hazard_factors": "危险有害因素",
            "accident_types": "事故类型",
        }
        for field, message in errors.items():
            column = columns.get(field, field)
            report.add(number, column, message, cell(shown.get(field, column)))
        assessment = None
        method_text = cell("评价方法")
        if method_text:
            method = METHOD_WORDS.get(method_text)
            if method is None:
                report.add(number, "评价方法", "评价方法只能是 LEC、LS 或 直接判定", method_text)
            else:
                assessment = AssessmentIn(
                    method=method,
                    l=cell("L") or None,
                    e=cell("E") or None,
                    c=cell("C") or None,
                    s=cell("S") or None,
                    major_criterion=cell("重大风险判定情形") or None,
                )
                try:
                    outcome = grading.assess(
                        method,
                        {
                            "l": assessment.l,
                            "e": assessment.e,
                            "c": assessment.c,
                            "s": assessment.s,
                        },
                        rules[method].thresholds if method in rules else None,
                        major_criterion=assessment.major_criterion,
                    )
                except DomainError as e:
                    column = {"l": "L", "e": "E", "c": "C", "s": "S", "method": "评价方法"}.get(
                        e.field or "", "重大风险判定情形"
                    )
                    report.add(number, column, e.message, cell(column))
                else:
                    if outcome.level == "major" and not cell("挂牌负责人"):
                        report.add(number, "挂牌负责人", service.MAJOR_NEEDS_LEADER)
        elif any(cell(c) for c in ("L", "E", "C", "S")):
            report.add(number, "评价方法", "填写了L/E/C/S，请同时选择评价方法")
        if len(report.problems) == before and unit_id is not None:
            result.append(
                Row(
                    number,
                    RiskPointCreate(
                        org_unit_id=unit_id,
                        name=values["name"],
                        kind=values["kind"],
                        location=values["location"],
                        hazard_factors=values["hazard_factors"],
                        accident_types=values["accident_types"],
                        inspection_frequency=values["inspection_frequency"],
                        responsible_user_id=who_ids[0] if len(who_ids) == 1 else None,
                        responsible_name=who,
                        measures=measures,
                        control_level=values.get("control_level"),
                        control_leader=values["control_leader"],
                        assessment=assessment,
                    ),
                    columns,
                )
            )
    return result


async def import_workbook(
    db: AsyncSession, p: Principal, content: bytes, org_unit_id: int | None = None
) -> list[int]:
    """Check every row of the upload, then create every point; returns the new ids.
    Raises ImportRefused (nothing written by this function) when anything is wrong."""
    workbook = _open(content)
    try:
        _, header, rows = _sheet_rows(workbook)
    finally:
        workbook.close()
    if not header:
        raise ImportRefused(
            "没有找到表头。四列清单的表头为：风险点、防控要求、检查频次、检查结果；"
            "完整清单请使用下载的导入模板"
        )
    if not rows:
        raise ImportRefused("表格中没有数据行")
    report = _Report()
    if "风险点名称" in header:
        ready = await _full_rows(db, p, header, rows, report)
    else:
        ready = await _minimal_rows(db, p, header, rows, org_unit_id, report)
    if report.problems:
        raise ImportRefused(
            f"文件有 {len(report.problems)} 处问题，未导入任何数据。请按下表修改后重新导入",
            sorted(
                report.problems,
                key=lambda x: (
                    x.row,
                    FULL_HEADERS.index(x.column) if x.column in FULL_HEADERS else 0,
                ),
            ),
        )
    ids = []
    for row in ready:
        try:
            point = await service.create_point(db, p, row.data)
        except service.Invalid as e:
            raise ImportRefused(
                "文件有问题，未导入任何数据",
                [
                    ImportProblem(row=row.number, column=row.columns.get(f, f), problem=m, value="")
                    for f, m in e.errors.items()
                ],
            ) from e
        except DomainError as e:
            raise ImportRefused(
                "文件有问题，未导入任何数据",
                [
                    ImportProblem(
                        row=row.number,
                        column=row.columns.get(e.field or "", ""),
                        problem=e.message,
                        value="",
                    )
                ],
            ) from e
        ids.append(int(point.id or 0))
    return ids


# --- the template and the export -------------------------------------------------------


def _header(sheet: Any, names: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(names))
    for i, width in enumerate(widths, start=1):
        c = sheet.cell(row=1, column=i)
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


def template_workbook() -> bytes:
    """The full import template: the list sheet with drop-downs fed by a hidden 选项 sheet,
    one example row, and an instructions sheet 填写说明."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET
    _header(
        sheet,
        [
            f"{h}*" if h in ("所属单位", "风险点名称", "风险点类型", "检查频次") else h
            for h in FULL_HEADERS
        ],
        [c[1] for c in FULL_COLUMNS],
    )
    example = {
        "所属单位": "本公司 / 生产部 / 冲压车间",
        "风险点名称": "冲压机",
        "风险点类型": V.RISK_POINT_KINDS["equipment"],
        "位置": "冲压车间东侧",
        "危险有害因素": "物的因素、人的因素",
        "事故类型": "机械伤害",
        "工程技术措施": "双手操作按钮完好\n光电保护装置有效",
        "管理措施": "严格执行冲压机安全操作规程",
        "培训教育措施": "操作工经岗前培训合格",
        "个体防护措施": "佩戴防护手套、护目镜",
        "应急处置措施": "发生夹手立即按下急停按钮并报告",
        "检查频次": V.FREQUENCIES["shift"],
        "责任人": "张三",
        "评价方法": "LEC",
        "L": 3,
        "E": 6,
        "C": 7,
    }
    sheet.append([example.get(h, "") for h in FULL_HEADERS])
    for c in sheet[2]:
        c.alignment = Alignment(wrap_text=True, vertical="top")

    options = wb.create_sheet("选项")
    lists: dict[str, list[str]] = {
        "风险点类型": list(V.RISK_POINT_KINDS.values()),
        "检查频次": list(V.FREQUENCIES.values()),
        "事故类型": list(V.ACCIDENT_TYPES.values()),
        "评价方法": list(METHOD_CHOICES),
        "L": sorted(
            {grading.plain(v) for v in (*grading.LEC_L, *grading.LS_L)}, key=lambda x: -float(x)
        ),
        "E": [grading.plain(v) for v in grading.LEC_E],
        "C": [grading.plain(v) for v in grading.LEC_C],
        "S": [grading.plain(v) for v in grading.LS_S],
        "管控层级": list(V.CONTROL_LEVELS.values()),
        "重大风险判定情形": list(grading.MAJOR_CRITERIA),
    }
    last_row = MAX_ROWS + 1
    for col, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col)
        options.cell(row=1, column=col, value=name)
        for r, v in enumerate(values, start=2):
            options.cell(row=r, column=col, value=v)
        target = get_column_letter(FULL_HEADERS.index(name) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=选项!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
        )
        dv.promptTitle, dv.prompt = name, "请从下拉列表中选择"
        dv.showInputMessage = True
        if name in ("事故类型", "重大风险判定情形"):
            # Several accident types, or a situation of one's own, may be typed in.
            dv.showErrorMessage = False
            dv.prompt = (
                "可从下拉列表选择，也可填写多个（用“、”分隔）"
                if name == "事故类型"
                else "可从下拉列表选择，也可自行填写"
            )
        else:
            dv.showErrorMessage = True
            dv.errorTitle, dv.error = "输入有误", f"{name}请从下拉列表中选择"
        sheet.add_data_validation(dv)
        dv.add(f"{target}2:{target}{last_row}")
    options.sheet_state = "hidden"

    notes = wb.create_sheet("填写说明")
    _header(notes, ["列名", "填写要求"], [18, 90])
    for name, _, note in FULL_COLUMNS:
        notes.append([name, note])
    notes.append([])
    for line in (
        "1. 带 * 的列必填；从第2行起每行一个风险点，示例行导入前请删除或改为实际内容。",
        "2. 管控措施每条占一行（在单元格内按 Alt+Enter 换行）。",
        "3. LEC法：D = L×E×C，D > 320 重大风险，160 ≤ D ≤ 320 较大风险，70 ≤ D < 160 一般风险，D < 70 低风险。",
        "4. LS法：R = L×S，R ≥ 20 重大风险，15～16 较大风险，9～12 一般风险，R ≤ 8 低风险。",
        "5. 企业或省级设置了分级阈值的，按设置的阈值确定等级。",
        "6. 文件中有任何错误时整份文件都不会导入，页面会列出每一处问题（第几行、哪一列、什么问题）。",
        "7. 也可导入四列简表：风险点、防控要求、检查频次、检查结果（导入到页面上选择的单位；"
        "防控要求每行一条，默认为管理措施，可用【工程】【培训】【防护】【应急】前缀标明类别）。",
    ):
        notes.append(["", line])
    for row in notes.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXPORT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("所属单位", 28),
    ("风险点名称", 20),
    ("风险点类型", 10),
    ("风险等级", 10),
    ("风险颜色", 8),
    ("评价方法", 10),
    ("分值", 8),
    ("管控层级", 12),
    ("管控单位", 24),
    ("挂牌负责人", 12),
    ("危险有害因素", 16),
    ("事故类型", 20),
    ("管控措施", 50),
    ("检查频次", 10),
    ("责任人", 10),
)


def export_workbook(points: Sequence[RiskPointRead]) -> bytes:
    """The graded control list 风险分级管控清单: one row per point, the level cells filled
    with the level's colour."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "风险分级管控清单"
    _header(sheet, [c[0] for c in EXPORT_COLUMNS], [c[1] for c in EXPORT_COLUMNS])
    method_names = {"lec": "LEC", "ls": "LS", "direct": "直接判定"}
    for i, pt in enumerate(points, start=1):
        measures = "\n".join(
            f"【{V.CONTROL_MEASURE_KINDS[m.kind][:-2]}】{m.content}" for m in pt.measures
        )
        sheet.append(
            [
                i,
                pt.org_unit_label,
                pt.name,
                pt.kind_name,
                pt.level_name,
                V.COLOUR_NAMES.get(pt.colour or "", ""),
                method_names.get(pt.method or "", ""),
                float(pt.score) if pt.score is not None else None,
                pt.control_level_name,
                pt.control_unit_label,
                pt.control_leader,
                "、".join(V.HAZARD_FACTORS.get(c, c) for c in pt.hazard_factors),
                "、".join(V.ACCIDENT_TYPES.get(c, c) for c in pt.accident_types),
                measures,
                pt.frequency_name,
                pt.responsible_name,
            ]
        )
        row = sheet.max_row
        for c in sheet[row]:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if pt.colour:
            fill = PatternFill("solid", fgColor=FILLS[pt.colour])
            for col in (5, 6):
                sheet.cell(row=row, column=col).fill = fill
                sheet.cell(row=row, column=col).font = Font(
                    bold=True, color="FF000000" if pt.colour == "yellow" else "FFFFFFFF"
                )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
