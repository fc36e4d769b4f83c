"""After apply, the touched campaigns are read back and compared with what the plan set out to do."""

from __future__ import annotations

from reconciler.engine.verify import mismatches
from reconciler.model import Live, LiveState, Target
from reconciler.providers.uis import provider as PROVIDER


def _live(cid: int, name: str, **fields: object) -> Live:
    return Live(cid, name, {"id": cid, "name": name, "site_id": 1, "status": "active", **fields})


def test_matching_campaigns_verify_clean() -> None:
    targets = [Target("u", "A", 5, "A", "f", {"description": "new"}),
               Target("u", "B", None, "B", None, {"description": "made"}),
               Target("u", "C (id 7)", 7, "C", "f", None)]
    live = LiveState((_live(5, "A", description="new"), _live(9, "B", description="made")))
    assert mismatches(PROVIDER, targets, live) == []


def test_every_difference_from_the_plan_is_reported() -> None:
    targets = [Target("u", "A", 5, "A", "f", {"description": "new"}),
               Target("u", "B", None, "B", None, {"description": "made"}),
               Target("u", "C (id 7)", 7, "C", "f", None),
               Target("u", "D", 8, "D", "f", {"description": "x", "status": "inactive"}, ("status",))]
    live = LiveState((_live(5, "A", description="old"), _live(7, "C"), _live(8, "D", description="x")))
    assert mismatches(PROVIDER, targets, live) == [
        'u / A: description is "old", the plan set "new"',
        "u / B: not found after apply",
        "u / C (id 7): still exists (id 7) although the plan deletes it",
    ]
