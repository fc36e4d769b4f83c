"""``apply --plan``: only the reviewed plan is applied (ENG-07).

The saved plan is not trusted as it is: its checksum says only that the file is as some reconciler wrote it,
which anyone can recompute after an edit. Apply plans again from the current documents and live campaigns,
as octoDNS does, and goes on only when the result is the saved plan exactly (operations, requests, targets
and warnings); it then applies the plan it made itself. A plan edited after review, one made in another
repository or from other documents, and one the live state has moved away from are all refused before any
write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.config import Config
from reconciler.engine.run import make_plan, read_all
from reconciler.engine.saved import RULE, stale
from reconciler.engine.targeting import Targets
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Caution, Desired, Plan
from reconciler.planfile import body
from reconciler.providers.base import Session

SHOWN = 5
"""Differences named one by one; more are counted."""


async def reviewed(config: Config, saved: Plan, desired: Mapping[str, Sequence[Desired]],
                   sessions: Mapping[str, Session], shown: str) -> Plan:
    """The plan to apply for ``saved``: made again now from ``desired`` and the live campaigns, and identical to it;
    else ProblemsError naming what changed (nothing was written)."""
    live = await read_all(sessions, list(desired), {name: len(items) for name, items in desired.items()})
    problems = [p for name in saved.accounts for p in stale(saved.for_account(name).targets, live[name], shown)]
    if problems:
        raise ProblemsError([*problems, Problem(None, RULE, f"{shown}: the plan is out of date; make a new one")])
    fresh = make_plan(config, desired, live, _targeted(saved))
    lines = differences(saved, fresh, {name: config.accounts[name].provider for name in saved.accounts})
    if lines:
        more = [f"and {len(lines) - SHOWN} more"] if len(lines) > SHOWN else []
        raise ProblemsError([Problem(None, RULE, f"{shown}: {line}") for line in [*lines[:SHOWN], *more]]
                            + [Problem(None, RULE, f"{shown}: it is not the plan the documents and live campaigns "
                                                   "give now (edited, made elsewhere or out of date); nothing was "
                                                   "changed: make a new plan and review it")])
    return fresh


def _targeted(saved: Plan) -> Targets | None:
    """A plan made for some campaigns only (``--campaign``, a PATH below the repository) is made again for the
    campaigns it touches; its targeting notes then say so in other words, and are not compared."""
    if not any(w.kind is Caution.TARGET for w in saved.warnings):
        return None
    return Targets(described=frozenset((t.account, t.campaign) for t in saved.targets),
                   scope="the campaigns of the saved plan")


def differences(saved: Plan, fresh: Plan, providers: Mapping[str, str]) -> list[str]:
    """One line per way ``saved`` is not ``fresh``, compared as the plan file writes them; empty when equal."""
    if fresh.accounts != saved.accounts:
        return [f"it is for account(s) {', '.join(saved.accounts)}, the documents give a plan for "
                f"{', '.join(fresh.accounts) or 'none'}"]
    a, b = body(saved, {n: providers[n] for n in saved.accounts}), body(fresh, providers)
    lines = _by_id("operation", a["operations"], b["operations"], lambda o: str(o["id"]))
    if not lines and _canonical(a["operations"]) != _canonical(b["operations"]):
        lines.append("its operations are in another order")
    lines += _by_id("target", a["targets"], b["targets"], lambda t: f"{t['account']} / {t['campaign']}")
    if _canonical(_cautions(a["warnings"])) != _canonical(_cautions(b["warnings"])):
        lines.append("its warnings are not the ones the documents give now")
    return lines


def _cautions(warnings: Sequence[Any]) -> list[Any]:
    return [w for w in warnings if w.get("kind") != Caution.TARGET]


def _by_id(kind: str, saved: Sequence[Any], fresh: Sequence[Any], key: Any) -> list[str]:
    old = {key(x): _canonical(x) for x in saved}
    new = {key(x): _canonical(x) for x in fresh}
    lines = [f"{kind} {k}: not in the plan the documents give now" for k in old if k not in new]
    lines += [f"{kind} {k}: differs from the one the documents give now" for k in old if k in new and old[k] != new[k]]
    lines += [f"{kind} {k}: the documents give it now, the plan does not have it" for k in new if k not in old]
    return lines


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
