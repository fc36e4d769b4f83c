"""Topsort's rules on a whole campaign, as predicates shared by the planner and the sandbox.

Each takes the values the campaign will have once a request is applied and answers None, or the text of
what Topsort refuses; the planner turns it into a located problem, the sandbox into its error answer.
Times are compared as moments; "now" comes from one clock, ``now()``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.providers.topsort.model import stamp

CLOCK_SKEW = timedelta(minutes=5)
"""How far a vendor's clock may run ahead of ours: a live start this close to now has started (TOP-03)."""


def now() -> datetime:
    """The current moment, to the second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def moment(value: Any) -> datetime | None:
    """A date-time text (or datetime) as an aware datetime; None when it is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def canonical(value: Any) -> Any:
    """A date-time in the canonical text (``stamp``); anything else as it came, so it shows as a change."""
    parsed = moment(value)
    return stamp(parsed) if parsed is not None else value


def in_past(value: Any, at: datetime | None = None, slack: timedelta = timedelta(0)) -> bool:
    """TOP-03: whether a start date is not in the future (``slack`` allows for the vendor's clock)."""
    parsed = moment(value)
    return parsed is not None and parsed <= (at or now()) + slack


def effective_start(start: Any, sent: bool, at: datetime | None = None) -> datetime | None:
    """The start a request leaves the campaign with: a start sent in the past (or none on create) is now."""
    when = at or now()
    parsed = moment(start)
    if sent and (parsed is None or parsed < when):
        return when
    return parsed


def end_problem(start: datetime | None, end: Any) -> str | None:
    """TOP-04: endDate later than startDate."""
    parsed = moment(end)
    if start is None or parsed is None or parsed > start:
        return None
    return f"endDate {stamp(parsed)} is not later than the start date {stamp(start)}"


def type_problem(before: str, after: str) -> str | None:
    """TOP-05: campaignType can only be changed to autobidding."""
    if after == before or after == "autobidding":
        return None
    return f"campaignType can only be changed to autobidding ({before} -> {after})"


def objective_problem(campaign_type: Any, objective: Any) -> str | None:
    """TOP-06: autobiddingObjective only for autobidding campaigns."""
    if objective is None or campaign_type == "autobidding":
        return None
    return f"autobiddingObjective is only for autobidding campaigns (campaignType is {campaign_type})"


def products_problem(ad_format: Any, product_ids: Any) -> str | None:
    """TOP-06: productIds only for banner campaigns."""
    if product_ids is None or ad_format == "banner":
        return None
    return f"productIds are only for banner campaigns (adFormat is {ad_format})"


def cpa_problem(charge_type: Any, budget: Any) -> str | None:
    """TOP-08: chargeType CPA needs a budget of type total."""
    if charge_type != "CPA":
        return None
    kind = budget.get("type") if isinstance(budget, dict) else None
    if kind == "total":
        return None
    has = f"the budget type is {kind}" if kind is not None else "the campaign has no budget"
    return f"chargeType CPA needs a budget of type total ({has})"
