"""The demo city as rows in memory, deterministic for a given scale and seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from anwang.platform.identity.service import GOV_ROLE_NAMES, TENANT_ROLE_NAMES
from anwang.platform.registry.credit_code import make_credit_code
from anwang.platform.registry.sectors import SECTOR_DEPARTMENTS
from anwang.platform.seed import names
from anwang.platform.seed.dual_prevention import TenantPeople
from anwang.platform.seed.geography import HOME_DISTRICT, Area, build_tree
from anwang.platform.seed.sites import SITE_KINDS, SMALL_SITES, TAICANG_SITES, public_sites

SCALES = ("small", "taicang", "suzhou")
ENTERPRISES_PER_DISTRICT = {"small": 40, "taicang": 6057, "suzhou": 6057}


Row = tuple[Any, ...]


class EnterpriseRow(NamedTuple):
    """One enterprise or public site; the field names are the table's columns."""

    id: int
    kind: str
    site_type: str | None
    name: str
    credit_code: str
    industry: str
    scale: str
    address: str
    legal_representative: str
    lon: float
    lat: float
    jurisdiction_id: int
    jurisdiction_path: str
    sector: str
    status: str


@dataclass
class CityRows:
    """Every row to load, in the column order of load.COLUMNS."""

    areas: list[Area]
    gov_body: list[Row] = field(default_factory=list)
    enterprise: list[EnterpriseRow] = field(default_factory=list)
    app_user: list[Row] = field(default_factory=list)
    tenant_membership: list[Row] = field(default_factory=list)
    gov_membership: list[Row] = field(default_factory=list)
    public_sites: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # the accounts of each tenant the enterprise-side data names as actors
    people: dict[int, TenantPeople] = field(default_factory=dict)
    demo_tenant: int = 0


class Ids:
    """Explicit ids continuing after what the table already holds."""

    def __init__(self, after: int) -> None:
        self.last = after

    def __call__(self) -> int:
        self.last += 1
        return self.last


def county_full(name: str) -> str:
    """太仓市 stays; 吴中区 becomes 苏州市吴中区 (苏州工业园区 already says where it is)."""
    return name if name.endswith("市") or name.startswith("苏州") else f"苏州市{name}"


def allocate(total: int, weights: list[float]) -> list[int]:
    """`total` split by `weights`, at least one each, summing exactly (largest remainder)."""
    rest = total - len(weights)
    raw = [rest * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: rest - sum(counts)]:
        counts[i] += 1
    return [c + 1 for c in counts]


def _rng(seed: int, purpose: str) -> random.Random:
    # One stream per purpose: changing how one part is generated leaves the others unchanged.
    return random.Random(f"{seed}:{purpose}")


class Builder:
    """Generates the rows area by area, each part from its own random stream."""

    def __init__(self, scale: str, seed: int, last_ids: dict[str, int], password_hash: str) -> None:
        self.scale, self.seed, self.password_hash = scale, seed, password_hash
        self.ids = {table: Ids(n) for table, n in last_ids.items()}
        self.city, areas = build_tree(scale, _rng(seed, "geography"), last_ids["jurisdiction"])
        self.rows = CityRows(areas)
        self.bureau: dict[int, int] = {}  # area id → its emergency bureau's id
        self.sector_body: dict[tuple[int, str], int] = {}
        self.codes: set[str] = set()
        self.firm_names: set[str] = set()
        self.usernames: set[str] = set()
        self.people = _rng(seed, "people")
        self.home_town = 0  # the town of the fixed demo logins (set by fixed_logins)
        self.fixed_inspectors: dict[int, int] = {}  # grid id → the fixed `grid` login

    def build(self, progress: Callable[[int, int], None]) -> CityRows:
        self.gov_bodies()
        districts = self.city.children
        progress(0, len(districts))
        for done, district in enumerate(districts):
            self.enterprises(district)
            progress(done + 1, len(districts))
        self.sites()
        self.users()
        return self.rows

    def gov_bodies(self) -> None:
        new = self.ids["gov_body"]
        for a in self.rows.areas:
            if a.level == "grid":
                continue
            if a.level == "city":
                name = f"{a.name}应急管理局"
            elif a.level == "district":
                name = f"{county_full(a.name)}应急管理局"
            else:
                name = f"{a.name}应急管理所"
            self.bureau[a.id] = new()
            self.rows.gov_body.append((self.bureau[a.id], name, "emergency_bureau", None, a.id))
            if a.level == "district":
                for sector, dept in SECTOR_DEPARTMENTS.items():
                    self.sector_body[a.id, sector] = new()
                    body = (self.sector_body[a.id, sector], f"{county_full(a.name)}{dept}")
                    self.rows.gov_body.append((*body, "sector_department", sector, a.id))

    def credit_code(self, rng: random.Random, region: str, registration: str = "9",
                    category: str = "1") -> str:  # fmt: skip
        while True:
            code = make_credit_code(rng, region, registration, category)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def enterprises(self, district: Area) -> None:
        rng = _rng(self.seed, f"enterprises:{district.code}")
        places = [(t, g) for t in district.children for g in t.children]
        town_weight = {t.id: rng.uniform(0.7, 1.4) for t in district.children}
        weights = [town_weight[t.id] * rng.uniform(0.5, 1.5) for t, _ in places]
        roads = {t.id: sorted({names.road(rng) for _ in range(14)}) for t in district.children}
        total = ENTERPRISES_PER_DISTRICT[self.scale]
        for (town, grid), count in zip(places, allocate(total, weights), strict=True):
            for _ in range(count):
                self.enterprise(rng, district, town, grid, roads[town.id])

    def enterprise(
        self, rng: random.Random, district: Area, town: Area, grid: Area, roads: list[str]
    ) -> None:
        industry = names.pick_industry(rng)
        scale = rng.choices(("micro", "small", "medium", "large"), (45, 40, 12, 3))[0]
        places = (self.city.name, district.name, town.name)
        firm = names.company_name(rng, industry, scale, places)
        while firm in self.firm_names:
            firm = names.company_name(rng, industry, scale, places)
        self.firm_names.add(firm)
        lon, lat = grid.rect.point_inside(rng)
        self.rows.enterprise.append(EnterpriseRow(
            self.ids["enterprise"](), "enterprise", None, firm,
            self.credit_code(rng, district.code), industry, scale,
            names.address(rng, district.name, town.name, roads, factory=True),
            names.person(rng), lon, lat, grid.id, grid.path, names.INDUSTRIES[industry][1],
            rng.choices(("active", "suspended", "closed"), (95, 3, 2))[0],
        ))  # fmt: skip

    def sites(self) -> None:
        counts = SMALL_SITES if self.scale == "small" else TAICANG_SITES
        for district in self.city.children:
            rng = _rng(self.seed, f"sites:{district.code}")
            towns = district.children
            county = county_full(district.name)
            roads = sorted({names.road(rng) for _ in range(20)})
            for site in public_sites(county, [t.name for t in towns], counts, rng):
                town = towns[site.town]
                grid = rng.choice(town.children)
                lon, lat = grid.rect.point_inside(rng)
                sector, industry = SITE_KINDS[site.site_type]
                code = self.credit_code(rng, district.code, site.registration, site.category)
                self.rows.enterprise.append(EnterpriseRow(
                    self.ids["enterprise"](), "public_site", site.site_type, site.name, code,
                    industry, site.scale, names.address(rng, district.name, town.name, roads),
                    names.person(rng), lon, lat, grid.id, grid.path, sector, "active",
                ))  # fmt: skip
                self.rows.public_sites += 1

    def user(self, username: str, display_name: str | None = None) -> int:
        assert username not in self.usernames, username
        self.usernames.add(username)
        user_id = self.ids["app_user"]()
        name = display_name or names.person(self.people)
        self.rows.app_user.append(
            (user_id, username, name, names.phone(self.people), self.password_hash)
        )
        return user_id

    def gov_user(self, username: str, body: int, area: Area, role: str) -> int:
        user_id = self.user(username)
        member = (self.ids["gov_membership"](), user_id, body, area.id, role)
        self.rows.gov_membership.append(member)
        return user_id

    def users(self) -> None:
        self.fixed_logins()
        patrols: dict[int, int] = {}  # grid or town id → its inspector's or officer's user id
        city = self.city
        self.gov_user(f"city{city.code}", self.bureau[city.id], city, "officer")
        for a in self.rows.areas:
            if a.level == "district":
                body = self.bureau[a.id]
                self.gov_user(f"bureau{a.code}", body, a, "officer")
                self.gov_user(f"zf{a.code}", body, a, "enforcement_officer")
                self.gov_user(f"command{a.code}", body, a, "command_centre")
                for sector in SECTOR_DEPARTMENTS:
                    body = self.sector_body[a.id, sector]
                    self.gov_user(f"{sector}{a.code}", body, a, "sector_officer")
            elif a.level == "town":
                patrols[a.id] = self.gov_user(f"town{a.code}", self.bureau[a.id], a, "officer")
                # A town's bureau has a few officers 监管人员 (the patrol planner splits the
                # town's enterprises among them): town<code>b, town<code>c.
                for suffix in "bc"[: self.extra_officers(a)]:
                    self.gov_user(f"town{a.code}{suffix}", self.bureau[a.id], a, "officer")
            elif a.level == "grid" and a.id in self.fixed_inspectors:
                patrols[a.id] = self.fixed_inspectors[a.id]
            elif a.level == "grid":
                assert a.parent is not None
                patrols[a.id] = self.gov_user(
                    f"grid{a.code}", self.bureau[a.parent.id], a, "grid_inspector"
                )
        town_of = {a.id: a.parent.id for a in self.rows.areas if a.level == "grid" and a.parent}
        for e in self.rows.enterprise:
            # Usernames need 3 characters: e01 … e09, then e10, e11 …
            user_id = self.user(f"e{e.id:02d}", e.legal_representative)
            self.rows.tenant_membership.append((e.id, user_id, "boss"))
            people = self.rows.people.get(e.id)
            if people is None:
                # and a safety manager 安全管理员 s01, s02 …, who runs the checks and hazards
                safety_name = names.person(self.people)
                safety = self.user(f"s{e.id:02d}", safety_name)
                self.rows.tenant_membership.append((e.id, safety, "safety_manager"))
                people = TenantPeople(user_id, safety)
                people.names = {user_id: e.legal_representative, safety: safety_name}
                self.rows.people[e.id] = people
            people.inspector = patrols.get(e.jurisdiction_id)
            people.officer = patrols.get(town_of.get(e.jurisdiction_id, 0))

    def extra_officers(self, town: Area) -> int:
        """Officers added to the town's first, so that it has 2 or 3 (the home town already
        has the fixed login `town` beside its first officer)."""
        wanted = _rng(self.seed, f"officers:{town.code}").choice((2, 3))
        return wanted - (2 if town.id == self.home_town else 1)

    def fixed_logins(self) -> None:
        """The memorable demo accounts, all inside 太仓市 so they see each other's data."""
        city = self.city
        district = next(d for d in city.children if d.code == HOME_DISTRICT)
        town = district.children[0]
        self.home_town = town.id
        grid = town.children[0]
        firm = next(
            e
            for e in self.rows.enterprise
            if e.jurisdiction_id == grid.id and e.kind == "enterprise"
        )
        logins = self.rows.logins
        accounts: dict[str, int] = {}
        display: dict[int, str] = {}
        for username, role, where in (
            ("boss", "boss", ""),
            ("safety", "safety_manager", ""),
            ("worker", "worker", ""),
            # a workshop head and a team head above `worker` (see dual_prevention.py)
            ("chejian", "unit_head", "车间主任"),
            ("banzu", "unit_head", "班组长"),
        ):
            name = firm.legal_representative if role == "boss" else names.person(self.people)
            user_id = accounts[username] = self.user(username, name)
            display[user_id] = name
            self.rows.tenant_membership.append((firm.id, user_id, role))
            title = f"{TENANT_ROLE_NAMES[role]}（{where}）" if where else TENANT_ROLE_NAMES[role]
            logins.append((username, title, firm.name))
        self.rows.demo_tenant = firm.id
        self.rows.people[firm.id] = TenantPeople(
            accounts["boss"], accounts["safety"], accounts["chejian"], accounts["banzu"],
            accounts["worker"], names=display,
        )  # fmt: skip
        gov: list[tuple[str, int, Area, str, str]] = [
            ("grid", self.bureau[town.id], grid, "grid_inspector", grid.name),
            ("town", self.bureau[town.id], town, "officer", town.name),
            ("bureau", self.bureau[district.id], district, "officer", district.name),
            ("city", self.bureau[city.id], city, "officer", city.name),
            ("zhifa", self.bureau[district.id], district, "enforcement_officer", district.name),
            ("command", self.bureau[city.id], city, "command_centre", city.name),
        ]
        for sector, username in (("education", "edu"), ("health", "health")):
            body = self.sector_body[district.id, sector]
            dept = f"{county_full(district.name)}{SECTOR_DEPARTMENTS[sector]}"
            gov.append((username, body, district, "sector_officer", dept))
        for username, body, area, role, scope in gov:
            user_id = self.gov_user(username, body, area, role)
            logins.append((username, GOV_ROLE_NAMES[role], scope))
            if role == "grid_inspector":
                # `grid` is its grid's inspector, so the demo's patrol list is all its own.
                self.fixed_inspectors[area.id] = user_id
