"""The planner's Topsort checks: located problems for what Topsort would refuse (TOP-04 to TOP-10).

The rules themselves are the predicates of ``constraints``, which the sandbox enforces too; here they are
applied to the campaign as a request will leave it (the live campaign with the changes on top) and placed
at the document's field.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from reconciler.errors import Problem
from reconciler.model import Desired, Live
from reconciler.providers.base import Match
from reconciler.providers.topsort.constraints import (
    cpa_problem,
    end_problem,
    moment,
    objective_problem,
    products_problem,
    type_problem,
)
from reconciler.providers.topsort.fields import BIDS, VENDOR

EXTERNAL = "externalCampaignId"


def start_of(fields: Mapping[str, Any]) -> datetime | None:
    """The start date a document writes, as it is written (offline checks know no "now" of the request)."""
    return moment(fields.get("startDate"))


def campaign_problems(d: Desired, after: Mapping[str, Any], sent: Collection[str], start: datetime | None,
                      offline: bool = False) -> list[Problem]:
    """TOP-04, TOP-06 and TOP-08 on the campaign as it will be (``after``), with ``start`` its effective start.

    A rule is checked when the request sends one of the fields it involves; ``offline``, only when the
    document sets all of them (the others may be anything live).
    """
    checks = (("TOP-04", ("startDate", "endDate"), end_problem(start, after.get("endDate"))),
              ("TOP-06", ("campaignType", "autobiddingObjective"),
               objective_problem(after.get("campaignType"), after.get("autobiddingObjective"))),
              ("TOP-06", ("adFormat", "productIds"), products_problem(after.get("adFormat"), after.get("productIds"))),
              ("TOP-08", ("budget", "chargeType"), cpa_problem(after.get("chargeType"), after.get("budget"))))
    problems: list[Problem] = []
    for rule, names, text in checks:
        involved = all(n in d.fields for n in names) if offline else bool(set(names) & set(sent))
        if text is None or not involved:
            continue
        where = next((n for n in reversed(names) if n in d.fields and n in sent), None) \
            or next((n for n in reversed(names) if n in d.fields), None)
        problems.append(Problem(d.source.pos((where,) if where else ()), rule,
                                f"campaign '{d.label}': {text}"))
    return problems


def fixed_changes(m: Match) -> list[tuple[str, str, str]]:
    """(field, rule, why) for each change Topsort cannot make in place: TOP-05, TOP-09, TOP-10."""
    found: list[tuple[str, str, str]] = []
    if "campaignType" in m.changes:
        text = type_problem(*m.changes["campaignType"])
        if text is not None:
            found.append(("campaignType", "TOP-05", text))
    if "adFormat" in m.changes:
        before, after = m.changes["adFormat"]
        found.append(("adFormat", "TOP-09", f"adFormat is fixed once the campaign exists ({before} -> {after})"))
    if VENDOR in m.changes:
        before, after = m.changes[VENDOR]
        found.append((VENDOR, "TOP-09", f"the campaign belongs to vendor {before}, and its vendorId is read-only "
                                        f"(-> {after})"))
    if BIDS in m.changes:
        before, after = m.changes[BIDS]
        count = before if before is not None else "an unknown number of"
        found.append((BIDS, "TOP-10", f"bids are create-time only and a change of bids after create is not "
                                      f"supported: the campaign has {count} bid(s), the document lists "
                                      f"{len(after)}"))
    return found


def duplicate_externals(desired: Sequence[Desired]) -> list[Problem]:
    """TOP-07: an externalCampaignId is the identity key, so two documents may not share one."""
    first: dict[str, Desired] = {}
    problems: list[Problem] = []
    for d in desired:
        value = d.fields.get(EXTERNAL)
        if value is None:
            continue
        if value in first:
            problems.append(Problem(d.source.pos((EXTERNAL,)), "TOP-07", f"externalCampaignId '{value}' is already "
                                    f"used by the document at {first[value].source.pos((EXTERNAL,))}"))
        else:
            first[value] = d
    return problems


def external_problems(matches: Sequence[Match], orphans: Sequence[Live]) -> list[Problem]:
    """TOP-07: after the plan, no two campaigns of one ad format share an externalCampaignId."""
    holders: dict[tuple[Any, Any], str] = {}
    for o in orphans:
        if o.fields.get(EXTERNAL) is not None:
            holders[(o.fields[EXTERNAL], o.fields.get("adFormat", "listing"))] = o.label
    problems: list[Problem] = []
    for m in matches:
        live = m.live.fields if m.live is not None else {}
        value = m.desired.fields.get(EXTERNAL, live.get(EXTERNAL))
        key = (value, m.desired.fields.get("adFormat", live.get("adFormat", "listing")))
        if value is None:
            continue
        if key in holders:
            problems.append(Problem(m.desired.source.pos((EXTERNAL,)), "TOP-07",
                                    f"externalCampaignId '{value}' is already used by campaign '{holders[key]}' "
                                    f"of ad format {key[1]}"))
        else:
            holders[key] = m.label
    return problems


def vendor_problems(matches: Sequence[Match], vendor: Any) -> list[Problem]:
    """An account with a vendor_id reads only that vendor's campaigns: a document may not name another."""
    if vendor is None:
        return []
    return [Problem(m.desired.source.pos((VENDOR,)), "TOP-10",
                    f"the account manages the campaigns of vendor {vendor} (vendor_id in reconciler.yaml), but this "
                    f"document names vendor {m.desired.fields[VENDOR]}")
            for m in matches if m.desired.fields.get(VENDOR, vendor) != vendor]
