"""Sandbox state that survives runs, and the log of every request a sandbox answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from reconciler.documents import display_name
from reconciler.errors import Problem, ProblemsError
from reconciler.files import read_often, write_often
from reconciler.http import Redactor
from reconciler.model import Pos
from reconciler.validation import dotted

RULE = "SANDBOX"


def mask(value: Any, redact: Redactor) -> Any:
    """``value`` with every secret in its strings masked (recursively)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: mask(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v, redact) for v in value]
    return value


class SandboxStore:
    """The state of one account's sandbox (seed format), persisted after every change."""

    def __init__(self, state_path: Path, log_path: Path, state: dict[str, Any],
                 secrets: Iterable[str] = ()) -> None:
        self.state_path = state_path
        self.log_path = log_path
        self.state = state
        self.lock = threading.Lock()
        self.changes = 0
        """How many times the state was saved: a request that moved it changed something."""
        self._redact = Redactor(secrets)

    @classmethod
    def open(cls, state_dir: Path, account: str, seed: Path | None, model: type[BaseModel],
             secrets: Iterable[str] = ()) -> SandboxStore:
        """Load the persisted state of ``account``, or its seed when there is none yet."""
        state_path = state_dir / f"{account}.json"
        log_path = state_dir / f"{account}.requests.jsonl"
        saved = read_often(state_path)
        source = state_path if saved is not None else seed
        data: Any = {}
        shown = display_name(source, Path.cwd()) if source is not None else ""
        if source is not None:
            try:
                data = json.loads(saved if saved is not None else source.read_bytes())
            except json.JSONDecodeError as exc:
                raise _problem(shown, exc.lineno, exc.colno, f"cannot read sandbox seed: {exc.msg}") from None
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
                raise _problem(shown, 1, 1, f"cannot read sandbox seed: {reason}") from None
        try:
            state = model.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            first = exc.errors()[0]
            raise _problem(shown, 1, 1, f"invalid sandbox seed at {dotted(tuple(first['loc']))}: "
                                        f"{first['msg']}") from None
        store = cls(state_path, log_path, state, secrets)
        if source is not state_path:
            store.save()
        return store

    def save(self) -> None:
        write_often(self.state_path, orjson.dumps(self.state))
        self.changes += 1

    def log(self, method: str, operation: str, params: Any, outcome: Any) -> None:
        """Append one answered request, secrets masked."""
        entry = {"time": round(time.time(), 3), "method": method, "operation": operation,
                 "params": mask(params, self._redact), "outcome": mask(outcome, self._redact)}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock, self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True, default=str) + "\n")


def read_log(log_path: Path) -> list[dict[str, Any]]:
    """Every entry of a sandbox request log (tests and tools read it)."""
    if not log_path.exists():
        return []
    return [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line]


def _problem(file: str, line: int, col: int, message: str) -> ProblemsError:
    return ProblemsError([Problem(Pos(file, line, col), RULE, message)])


def next_id(state: dict[str, Any]) -> int:
    """The id a sandbox gives the next campaign it creates (the creator then counts past it): never one it gave
    before, not even one of a campaign deleted since, as a vendor's ids only grow. They start past the seed's."""
    return int(state.get("next_id") or max([0, *(c["id"] for c in state["campaigns"])]) + 1)


def remove(state: dict[str, Any], campaign_id: Any) -> None:
    """Delete a campaign from ``state``, keeping its id from ever being given again."""
    state["next_id"] = next_id(state)
    state["campaigns"] = [c for c in state["campaigns"] if c["id"] != campaign_id]
