"""Safety rails that look at a whole account's plan: update and delete thresholds (ENG-06)."""

from __future__ import annotations

from reconciler.config import Safety
from reconciler.engine.plan import AccountPlan
from reconciler.model import Action, Caution, PlanWarning


def thresholds(account: str, plan: AccountPlan, safety: Safety) -> list[PlanWarning]:
    """A warning per threshold the plan exceeds; counted from ``safety.min_existing`` managed campaigns up."""
    if plan.managed < safety.min_existing or plan.managed == 0:
        return []
    replaced = {op.campaign for op in plan.operations if op.action is Action.REPLACE}
    existing = [t for t in plan.targets if t.id is not None]
    deletes = sum(1 for t in existing if t.expect is None or t.campaign in replaced)
    updates = len(existing) - deletes
    warnings: list[PlanWarning] = []
    for verb, count, limit, name in (("updated", updates, safety.update_threshold, "update_threshold"),
                                     ("deleted or replaced", deletes, safety.delete_threshold,
                                      "delete_threshold")):
        share = count / plan.managed
        if share > limit:
            warnings.append(PlanWarning(
                account, Caution.THRESHOLD,
                f"{count} of {plan.managed} managed campaigns would be {verb} ({share:.0%}, above "
                f"safety.{name} {limit:.0%}): apply needs --force"))
    return warnings
