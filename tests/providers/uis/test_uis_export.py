"""UIS export: a get.campaigns row -> the document fields worth managing (reconciler import)."""

from __future__ import annotations

from reconciler.model import Live
from reconciler.providers.uis.model import UisCampaign, UisLiveCampaign
from reconciler.providers.uis.provider import UisProvider

PROVIDER = UisProvider()


def _live(**fields: object) -> Live:
    row = UisLiveCampaign.model_validate({"id": 5, "name": "A", "site_id": 1, **fields}).model_dump(mode="json")
    return Live(row["id"], row["name"], row)


def test_read_only_fields_and_vendor_defaults_are_left_out() -> None:
    live = _live(creation_time="2026-01-01 00:00:00", costs=12.5, site_domain_name="a.example", site_blocks=[
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
    live = _live(id=-1, type="system", description="x", cost_ratio=2, cost_ratio_operator="multiply")
    assert PROVIDER.export(live) == {"id": -1, "site_blocks": []}


def test_cost_ratio_is_written_when_it_is_not_the_default_and_whole_numbers_read_as_integers() -> None:
    assert PROVIDER.export(_live(cost_ratio=2.0, cost_ratio_operator="multiply"))["cost_ratio"] == 2
    assert "cost_ratio" not in PROVIDER.export(_live(cost_ratio=1.0, cost_ratio_operator="wo_changes"))


def test_every_export_is_a_valid_document_that_diffs_as_no_change() -> None:
    for live in (_live(), _live(status="inactive", description=""), _live(id=-1, type="system"),
                 _live(campaign_conditions={"group_conditions": []})):
        doc = UisCampaign.model_validate({"account": "u", **PROVIDER.export(live)})
        desired = PROVIDER.desired_fields(doc)
        live_fields = PROVIDER.live_fields(live)
        assert {k: v for k, v in live_fields.items() if k in desired} == desired
