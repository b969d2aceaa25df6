"""Test data of the sector departments' sites: fresh credit codes, a grid of the demo district,
and a second district (reference data only, committed and removed by the caller) whose
sector departments must see nothing of the demo district."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.registry.credit_code import make_credit_code

OTHER_DISTRICT_CODE = "320599"


def credit_code() -> str:
    """A valid, almost surely unused code of a public institution 事业单位 in Taicang."""
    return make_credit_code(random.Random(uuid.uuid4().int), "320585", "1", "2")


def unique_name(prefix: str = "测试学校") -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def grid_of(conn: Connection, code: str = "320585100001") -> int:
    return int(
        conn.execute(text("select id from jurisdiction where code = :c"), {"c": code}).scalar_one()
    )


@dataclass(frozen=True)
class District:
    id: int
    path: str
    grid: int
    grid_path: str


def add_other_district(conn: Connection) -> District:
    """A district beside Taicang under the same city, with one town and one grid."""
    city = conn.execute(text("select id, path::text from jurisdiction where code = '320500'")).one()
    ids: list[int] = []
    parent, path = city.id, city.path
    for code, name, level in (
        (OTHER_DISTRICT_CODE, "测试区", "district"),
        (f"{OTHER_DISTRICT_CODE}100", "测试街道", "town"),
        (f"{OTHER_DISTRICT_CODE}100001", "测试街道第1网格", "grid"),
    ):
        path = f"{path}.{code}"
        parent = int(
            conn.execute(
                text(
                    "insert into jurisdiction (code, name, level, parent_id, path, boundary)"
                    " values (:c, :n, :l, :p, cast(:path as ltree), cast(:b as jsonb))"
                    " returning id"
                ),
                {
                    "c": code,
                    "n": name,
                    "l": level,
                    "p": parent,
                    "path": path,
                    "b": '{"type": "Polygon", "coordinates": [[[120.5, 31.2], [120.6, 31.2],'
                    " [120.6, 31.3], [120.5, 31.3], [120.5, 31.2]]]}",
                },
            ).scalar_one()
        )
        ids.append(parent)
    return District(ids[0], path.rsplit(".", 2)[0], ids[2], path)


def remove_other_district(conn: Connection) -> None:
    conn.execute(
        text("delete from jurisdiction where code like :c || '%' and level = 'grid'"),
        {"c": OTHER_DISTRICT_CODE},
    )
    conn.execute(
        text("delete from jurisdiction where code like :c || '%' and level = 'town'"),
        {"c": OTHER_DISTRICT_CODE},
    )
    conn.execute(text("delete from jurisdiction where code = :c"), {"c": OTHER_DISTRICT_CODE})
