"""JSON Schemas generated from the models; ``python -m reconciler.schemas`` rewrites them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from reconciler.planfile import PlanFile
from reconciler.providers import PROVIDERS

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def generate() -> dict[str, dict[str, Any]]:
    """Relative file path under ``schemas/`` -> schema: the saved plan, and per provider its documents and seed."""
    out: dict[str, dict[str, Any]] = {"plan.schema.json": {"$schema": DRAFT, **PlanFile.model_json_schema()}}
    for name in sorted(PROVIDERS):
        provider = PROVIDERS[name]
        out[f"{name}.campaign.schema.json"] = {"$schema": DRAFT, **provider.document_model.model_json_schema()}
        out[f"sandbox/{name}.schema.json"] = {"$schema": DRAFT, **provider.seed_model.model_json_schema()}
    return out


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(root: Path) -> list[Path]:
    written = []
    for rel, schema in generate().items():
        path = root / "schemas" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - developer tool
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
