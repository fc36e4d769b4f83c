"""The checked-in JSON Schemas are the ones the models generate, and the examples satisfy them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.config import load_config
from reconciler.documents import load_tree
from reconciler.schemas import dump, generate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("rel", sorted(generate()))
def test_checked_in_schema_matches_the_models(rel: str) -> None:
    path = ROOT / "schemas" / rel
    assert path.exists(), f"schemas/{rel} is missing: run python -m reconciler.schemas"
    assert path.read_text(encoding="utf-8") == dump(generate()[rel]), \
        f"schemas/{rel} drifted from the models: run python -m reconciler.schemas"


def test_example_documents_satisfy_the_published_campaign_schema() -> None:
    config = load_config(ROOT / "examples")
    providers = {name: account.provider for name, account in config.accounts.items()}
    docs, problems = load_tree(ROOT / "examples" / "campaigns", ROOT, config.discovery)
    assert problems == [] and len(docs) >= 6
    for doc in docs:
        provider = providers[doc.data["account"]]
        jsonschema.validate(doc.data, json.loads((ROOT / "schemas" / f"{provider}.campaign.schema.json").read_text()))


@pytest.mark.parametrize("provider", ["uis", "enswitch", "callfire", "topsort"])
def test_example_seed_satisfies_the_published_sandbox_schema(provider: str) -> None:
    schema = json.loads((ROOT / "schemas" / "sandbox" / f"{provider}.schema.json").read_text())
    jsonschema.validate(json.loads((ROOT / "examples" / "sandbox" / f"{provider}-demo.json").read_text()), schema)


def test_schema_refuses_what_the_model_refuses() -> None:
    schema = json.loads((ROOT / "schemas" / "uis.campaign.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"account": "a", "name": "x", "statuss": "active"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"account": "a", "name": "x", "description": "d" * 256}, schema)
