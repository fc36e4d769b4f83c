"""The saved plan: versioned JSON (``schemas/plan.schema.json``), with a checksum over its content.

``plan -o FILE`` writes it, ``plan --format json`` prints it, ``show`` and ``apply --plan`` read it back.
A request value known only after an earlier operation (ResultRef) is written as
``{"$result": {"operation": ID, "field": NAME}}``. The checksum is the SHA-256 of the canonical JSON of
every other member, so a file damaged or edited by hand is refused (ENG-07); an edit whose checksum was
recomputed is caught by ``engine.review``, which applies a saved plan only if planning again gives it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from reconciler import __version__
from reconciler.errors import Problem, ProblemsError
from reconciler.model import (
    Action,
    Caution,
    Effect,
    FieldChange,
    Operation,
    Plan,
    PlanWarning,
    Pos,
    ResultRef,
    SideEffect,
    Target,
)
from reconciler.validation import LazyModel

FORMAT_VERSION = 1
RULE = "PLAN"
REF = "$result"


class _Strict(LazyModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangeModel(_Strict):
    path: str
    before: Any = None
    after: Any = None


class EffectModel(_Strict):
    kind: Effect
    text: str


class OperationModel(_Strict):
    id: str
    account: str
    campaign: str
    action: Action
    method: str
    request: dict[str, Any] = Field(description=f"The exact request; values known later are {{'{REF}': ...}}.")
    changes: list[ChangeModel]
    side_effects: list[EffectModel]
    waits_for: list[str]
    reason: str


class TargetModel(_Strict):
    account: str
    campaign: str
    id: Any = Field(description="Live id when planned; null when the plan creates it.")
    key: str | None
    fingerprint: str | None = Field(description="Digest of the live campaign when planned (ENG-07).")
    expect: dict[str, Any] | None = Field(description="Fields it must have after apply; null when deleted.")
    ignore_changes: list[str]


class WarningModel(_Strict):
    account: str
    kind: Caution
    message: str


class AccountSummary(_Strict):
    name: str
    provider: str
    create: int
    update: int
    delete: int
    replace: int
    control: int = Field(description="Campaigns whose run state changes (start, stop, archive), counted besides "
                                     "create and update: a campaign created and started counts in both.")
    operations: int


class PlanFile(_Strict):
    """A reconciler plan."""

    format_version: Literal[1]
    reconciler_version: str
    accounts: list[AccountSummary]
    operations: list[OperationModel]
    targets: list[TargetModel]
    warnings: list[WarningModel]
    checksum: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


def dumps(plan: Plan, providers: Mapping[str, str]) -> str:
    """The plan as JSON text: indented, stable (ENG-01), checksummed."""
    content = body(plan, providers)
    content["checksum"] = checksum(content)
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def checksum(written: Mapping[str, Any]) -> str:
    content = {k: v for k, v in written.items() if k != "checksum"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def body(plan: Plan, providers: Mapping[str, str]) -> dict[str, Any]:
    """The plan file's content without its checksum, as JSON values."""
    accounts = []
    for name in plan.accounts:
        part = plan.for_account(name)
        counts = part.counts()
        accounts.append({"name": name, "provider": providers[name], **{a.value: counts[a] for a in (
            Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE, Action.CONTROL)},
                         "operations": len(part.operations)})
    return {
        "format_version": FORMAT_VERSION,
        "reconciler_version": __version__,
        "accounts": accounts,
        "operations": [_operation(op) for op in plan.operations],
        "targets": [{"account": t.account, "campaign": t.campaign, "id": t.id, "key": t.key,
                     "fingerprint": t.fingerprint, "expect": _plain(t.expect),
                     "ignore_changes": list(t.ignore_changes)} for t in plan.targets],
        "warnings": [{"account": w.account, "kind": w.kind.value, "message": w.message} for w in plan.warnings],
    }


def _operation(op: Operation) -> dict[str, Any]:
    return {"id": op.id, "account": op.account, "campaign": op.campaign, "action": op.action.value,
            "method": op.method, "request": _plain(op.request),
            "changes": [{"path": c.path, "before": _plain(c.before), "after": _plain(c.after)} for c in op.changes],
            "side_effects": [{"kind": e.kind.value, "text": e.text} for e in op.side_effects],
            "waits_for": list(op.waits_for), "reason": op.reason}


def _plain(value: Any) -> Any:
    """JSON-ready: mappings and sequences as dicts and lists, ResultRefs in their ``$result`` form."""
    if isinstance(value, ResultRef):
        return {REF: {"operation": value.operation, "field": value.field}}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _refs(value: Any) -> Any:
    if isinstance(value, dict):
        ref = value.get(REF)
        if len(value) == 1 and isinstance(ref, dict) and set(ref) == {"operation", "field"}:
            return ResultRef(str(ref["operation"]), str(ref["field"]))
        return {k: _refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_refs(v) for v in value]
    return value


def load(path: Path, shown: str) -> tuple[Plan, dict[str, str]]:
    """A saved plan and its account -> provider map; a damaged, edited or foreign file is a problem."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _refused(shown, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _refused(shown, f"cannot read the plan file: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
        raise _refused(shown, f"not a reconciler plan (format_version {FORMAT_VERSION} expected)")
    try:
        model = PlanFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _refused(shown, f"invalid plan file at {'.'.join(str(p) for p in first['loc'])}: "
                              f"{first['msg']}") from None
    if checksum(raw) != model.checksum:
        raise _refused(shown, "checksum does not match: the file changed after it was written; make a new plan")
    if model.reconciler_version != __version__:
        raise _refused(shown, f"made by reconciler {model.reconciler_version}, this is {__version__}; "
                              "make a new plan")
    return _plan(model), {a.name: a.provider for a in model.accounts}


def _refused(shown: str, message: str, line: int = 1, col: int = 1) -> ProblemsError:
    return ProblemsError([Problem(Pos(shown, line, col), RULE, message)])


def _plan(model: PlanFile) -> Plan:
    operations = tuple(
        Operation(o.id, o.account, o.campaign, o.action, o.method, _refs(o.request),
                  tuple(FieldChange(c.path, c.before, c.after) for c in o.changes),
                  tuple(SideEffect(e.kind, e.text) for e in o.side_effects), tuple(o.waits_for), o.reason)
        for o in model.operations)
    targets = tuple(Target(t.account, t.campaign, t.id, t.key, t.fingerprint, t.expect, tuple(t.ignore_changes))
                    for t in model.targets)
    warnings = tuple(PlanWarning(w.account, w.kind, w.message) for w in model.warnings)
    return Plan(operations, tuple(a.name for a in model.accounts), targets, warnings)
