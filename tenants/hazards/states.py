"""The closed loop of a hidden danger 隐患闭环 as data: (state, action) → next state, and who
may take the step. The service checks every step against this table; a pair that is not in it
is refused, and the pages offer only the steps the table allows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from anwang.tenants.vocabulary import HAZARD_STATES

STATES: dict[str, str] = HAZARD_STATES
# Nothing more happens to these (a closed hazard can still be reopened by a manager).
FINAL_STATES = frozenset({"closed", "rejected"})
# States in which the deadline runs: past it, the hazard is overdue 逾期.
OPEN_STATES = frozenset({"confirmed", "rectifying", "awaiting_acceptance"})


class Who(StrEnum):
    """Who may take a step (checked by the service against the hazard and the user)."""

    ANYONE = "anyone"  # any user of the tenant
    MANAGER = "manager"  # a manager of the hazard's unit (or above), or a company role
    FINDER_OR_MANAGER = "finder_or_manager"  # who reported it, or a manager
    RESPONSIBLE_OR_MANAGER = "responsible_or_manager"  # the responsible person, or a manager
    RESPONSIBLE = "responsible"  # the responsible person only
    ACCEPTOR = "acceptor"  # a manager who did not do the rectification
    LEVEL_ABOVE = "level_above"  # a manager of the parent unit; boss/safety manager at the top


WHO_TEXT: dict[Who, str] = {
    Who.ANYONE: "本企业任何人员",
    Who.MANAGER: "该隐患所在部门（或上级部门）的负责人或公司级管理人员",
    Who.FINDER_OR_MANAGER: "发现人或该部门负责人",
    Who.RESPONSIBLE_OR_MANAGER: "整改责任人或该部门负责人",
    Who.RESPONSIBLE: "整改责任人本人",
    Who.ACCEPTOR: "整改人以外的部门负责人或公司级管理人员",
    Who.LEVEL_ABOVE: "上一级部门负责人（最高一级由主要负责人或安全管理员）",
}

ACTIONS: dict[str, str] = {
    "report": "上报",
    "fix_on_spot": "现场整改",
    "confirm": "确认隐患",
    "reject": "判定不是隐患",
    "assign": "指派整改责任人",
    "start": "开始整改",
    "submit": "提交整改",
    "accept": "验收",
    "refuse": "验收不通过",
    "reopen": "重新打开",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "驳回延期",
    "report_to_bureau": "上报监管部门",
}


@dataclass(frozen=True)
class Step:
    to: str
    who: Who


# The whole loop. `report` has no state before it (None): it creates the hazard.
TRANSITIONS: dict[tuple[str | None, str], Step] = {
    (None, "report"): Step("reported", Who.ANYONE),
    # 现场整改: found and fixed at once, recorded and closed in one step.
    ("reported", "fix_on_spot"): Step("closed", Who.FINDER_OR_MANAGER),
    ("reported", "confirm"): Step("confirmed", Who.MANAGER),
    ("reported", "reject"): Step("rejected", Who.MANAGER),
    ("confirmed", "assign"): Step("confirmed", Who.MANAGER),
    ("rectifying", "assign"): Step("rectifying", Who.MANAGER),
    ("confirmed", "start"): Step("rectifying", Who.RESPONSIBLE_OR_MANAGER),
    ("rectifying", "submit"): Step("awaiting_acceptance", Who.RESPONSIBLE_OR_MANAGER),
    ("awaiting_acceptance", "accept"): Step("closed", Who.ACCEPTOR),
    ("awaiting_acceptance", "refuse"): Step("rectifying", Who.ACCEPTOR),
    ("closed", "reopen"): Step("rectifying", Who.MANAGER),
    ("confirmed", "request_extension"): Step("confirmed", Who.RESPONSIBLE),
    ("rectifying", "request_extension"): Step("rectifying", Who.RESPONSIBLE),
    ("confirmed", "approve_extension"): Step("confirmed", Who.LEVEL_ABOVE),
    ("rectifying", "approve_extension"): Step("rectifying", Who.LEVEL_ABOVE),
    ("awaiting_acceptance", "approve_extension"): Step("awaiting_acceptance", Who.LEVEL_ABOVE),
    ("confirmed", "refuse_extension"): Step("confirmed", Who.LEVEL_ABOVE),
    ("rectifying", "refuse_extension"): Step("rectifying", Who.LEVEL_ABOVE),
    ("awaiting_acceptance", "refuse_extension"): Step("awaiting_acceptance", Who.LEVEL_ABOVE),
    # A major hazard is reported to the supervising bureau once, at any point of its loop.
    ("confirmed", "report_to_bureau"): Step("confirmed", Who.MANAGER),
    ("rectifying", "report_to_bureau"): Step("rectifying", Who.MANAGER),
    ("awaiting_acceptance", "report_to_bureau"): Step("awaiting_acceptance", Who.MANAGER),
    ("closed", "report_to_bureau"): Step("closed", Who.MANAGER),
}

# The actions taken on an existing hazard (everything but `report`).
HAZARD_ACTIONS: tuple[str, ...] = tuple(a for a in ACTIONS if a != "report")


def step(state: str, action: str) -> Step | None:
    return TRANSITIONS.get((state, action))


def actions_from(state: str) -> list[str]:
    """The actions the table allows in `state`, in the order of ACTIONS."""
    return [a for a in HAZARD_ACTIONS if (state, a) in TRANSITIONS]


def refusal(state: str, action: str) -> str:
    """Why an action cannot be taken in a state, in words a person understands."""
    return f"当前状态为“{STATES.get(state, state)}”，不能执行“{ACTIONS.get(action, action)}”"
