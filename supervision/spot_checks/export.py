"""The published results of spot checks as a file to hand on: an Excel workbook (抽查结果公示表)
or CSV (UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from litestar import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import RowMapping

from anwang.platform.clock import cn_date, today
from anwang.supervision.vocabulary import SPOT_CHECK_VERDICTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
TITLE = "线上抽查结果公示"
COLUMNS: tuple[tuple[str, int], ...] = (
    ("抽查名称", 30),
    ("组织单位", 14),
    ("公布日期", 14),
    ("检查期间", 26),
    ("序号", 6),
    ("企业名称", 32),
    ("统一社会信用代码", 22),
    ("所在网格", 18),
    ("检查结论", 10),
    ("不合格项", 10),
    ("主要问题", 50),
)


def _day(d: date | datetime | None) -> str:
    return cn_date(d, missing="")


def _values(r: RowMapping) -> list[Any]:
    return [
        r["title"],
        r["jurisdiction_name"],
        _day(r["published_at"]),
        f"{_day(r['review_from'])}至{_day(r['review_to'])}",
        int(r["position"]),
        r["enterprise"],
        r["credit_code"],
        r["place"],
        SPOT_CHECK_VERDICTS.get(r["verdict"] or "", "未出结论"),
        int(r["failed_items"]),
        r["summary"],
    ]


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().strip(".") or "spot-checks"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def workbook(rows: Sequence[RowMapping]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "抽查结果"
    ws.append([f"{TITLE}（导出于{_day(today())}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([name for name, _ in COLUMNS])
    head = PatternFill("solid", fgColor="DDEBF7")
    for i, (_, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=i)
        cell.font = Font(bold=True)
        cell.fill = head
        ws.column_dimensions[get_column_letter(i)].width = width
    fail = Font(color="C00000", bold=True)
    for r in rows:
        ws.append(_values(r))
        if r["verdict"] == "fail":
            ws.cell(row=ws.max_row, column=9).font = fail
        ws.cell(row=ws.max_row, column=11).alignment = Alignment(wrap_text=True)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(rows: Sequence[RowMapping]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in COLUMNS])
    for r in rows:
        writer.writerow(_values(r))
    return out.getvalue()


def xlsx_response(rows: Sequence[RowMapping]) -> Response[bytes]:
    return Response(
        workbook(rows),
        media_type=XLSX,
        headers={"content-disposition": _disposition(f"{TITLE}.xlsx")},
    )


def csv_response(rows: Sequence[RowMapping]) -> Response[bytes]:
    return Response(
        ("\ufeff" + csv_text(rows)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": _disposition(f"{TITLE}.csv")},
    )
