"""UIS export: a get.campaigns row -> the document fields worth managing (reconciler import)."""

from __future__ import annotations

from typing import Any

from reconciler.providers.uis import provider as PROVIDER
from reconciler.providers.uis.model import UisCampaign, UisLiveCampaign


def _row(**fields: object) -> dict[str, Any]:
    """A get.campaigns row as the client reads it."""
    return UisLiveCampaign.model_validate({"id": 5, "name": "A", "site_id": 1, **fields}).model_dump(mode="json")


def test_read_only_fields_and_vendor_defaults_are_left_out() -> None:
    live = _row(creation_time="2026-01-01 00:00:00", costs=12.5, site_domain_name="a.example", site_blocks=[
        {"site_block_id": 12, "site_block_name": "Footer", "phone_number_id": 503, "phone_number": "7495",
         "phone_number_type": "call_tracking", "redirection_phone_number_id": 77,
         "redirection_phone_number": "7495777"},
        {"site_block_id": 11, "phone_number_id": 501, "dynamic_call_tracking_enabled": True}],
                 dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 9, "coverage_visitors": 0.5})

    assert PROVIDER.export(live) == {
        "name": "A", "status": "active", "site_id": 1,
        "site_blocks": [{"site_block_id": 11, "phone_number_id": 501, "dynamic_call_tracking_enabled": True},
                        {"site_block_id": 12, "phone_number_id": 503, "redirection_phone_number_id": 77}],
        "dynamic_call_tracking": {"reservation_time": "15m", "count_virtual_numbers": 2, "count_visits": 9}}


def test_uis_01_a_system_campaign_gives_its_id_blocks_and_tracking_only() -> None:
    live = _row(id=-1, type="system", description="x", cost_ratio=2, cost_ratio_operator="multiply")
    assert PROVIDER.export(live) == {"id": -1, "site_blocks": []}


def test_cost_ratio_is_written_when_it_is_not_the_default_and_whole_numbers_read_as_integers() -> None:
    assert PROVIDER.export(_row(cost_ratio=2.0, cost_ratio_operator="multiply"))["cost_ratio"] == 2
    assert "cost_ratio" not in PROVIDER.export(_row(cost_ratio=1.0, cost_ratio_operator="wo_changes"))


def test_every_export_is_a_valid_document_that_diffs_as_no_change() -> None:
    for live in (_row(), _row(status="inactive", description=""), _row(id=-1, type="system"),
                 _row(campaign_conditions={"group_conditions": []})):
        doc = UisCampaign.model_validate({"account": "u", **PROVIDER.export(live)})
        desired = PROVIDER.desired_fields(doc)
        live_fields = PROVIDER.live_fields(live)
        assert {k: v for k, v in live_fields.items() if k in desired} == desired


def test_eng_05_a_row_without_some_fields_is_normalised_like_a_full_one() -> None:
    full = {"id": 7, "name": "A", "description": "d", "status": "active", "site_id": 1, "cost_ratio": 1.0,
            "cost_ratio_operator": "wo_changes", "campaign_conditions": {"group_conditions": []},
            "dynamic_call_tracking": {"reservation_time": None, "count_virtual_numbers": 2, "count_visits": 3},
            "site_blocks": [{"site_block_id": 9, "phone_number_id": 5, "site_block_name": "B"},
                            {"site_block_id": 2, "phone_number_id": None, "dynamic_call_tracking_enabled": True}]}
    normalised = PROVIDER.live_fields(full)
    assert [b["site_block_id"] for b in normalised["site_blocks"]] == [2, 9]  # by block id, names dropped
    assert normalised["dynamic_call_tracking"]["reservation_time"] == "15m"
    partial = {k: v for k, v in full.items() if k not in ("cost_ratio", "cost_ratio_operator", "description")}
    assert PROVIDER.live_fields(partial) == {
        k: v for k, v in normalised.items() if k not in ("cost_ratio", "cost_ratio_operator", "description")}
    assert PROVIDER.live_fields({**partial, "site_blocks": None})["site_blocks"] == []


def test_a_campaign_without_a_name_is_pinned_by_its_id_and_its_document_is_valid() -> None:
    doc = PROVIDER.export({"id": 5, "name": "", "type": "basic", "status": None, "site_id": 1, "site_blocks": {},
                           "dynamic_call_tracking": [], "cost_ratio": None})
    assert doc == {"id": 5, "status": "active", "site_id": 1}
    UisCampaign.model_validate({"account": "u", **doc})
