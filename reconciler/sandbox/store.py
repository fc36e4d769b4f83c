"""Sandbox state that survives runs, and the log of every request a sandbox answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.errors import SandboxError
from reconciler.files import write_atomic
from reconciler.http import Redactor


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
        source = state_path if state_path.exists() else seed
        data: Any = {}
        if source is not None:
            try:
                data = json.loads(source.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SandboxError(f"{source}: cannot read sandbox seed: {exc}") from exc
        try:
            state = model.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise SandboxError(f"{source}: invalid sandbox seed at {where}: {first['msg']}") from exc
        store = cls(state_path, log_path, state, secrets)
        if source is not state_path:
            store.save()
        return store

    def save(self) -> None:
        write_atomic(self.state_path, json.dumps(self.state, separators=(",", ":")))
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
