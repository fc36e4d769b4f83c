from reconciler.diff import changed_fields, leaf_changes
from reconciler.model import FieldChange


def test_eng_02_only_fields_the_document_sets_are_compared() -> None:
    live = {"name": "A", "description": "old", "status": "active"}
    assert changed_fields({"name": "A"}, live) == {}
    assert changed_fields({"name": "A", "status": "inactive"}, live) == {"status": ("active", "inactive")}


def test_eng_05_numeric_types_do_not_make_a_change() -> None:
    assert changed_fields({"cost_ratio": 1.0}, {"cost_ratio": 1}) == {}


def test_ignore_changes_skips_a_field() -> None:
    assert changed_fields({"status": "inactive"}, {"status": "active"}, ignore=["status"]) == {}


def test_keyed_list_changes_show_the_item_identity() -> None:
    before = [{"site_block_id": 11, "phone_number_id": 1}, {"site_block_id": 12, "phone_number_id": 2}]
    after = [{"site_block_id": 12, "phone_number_id": 3}]
    changes = leaf_changes("site_blocks", before, after, {"site_blocks": "site_block_id"})
    assert changes == [
        FieldChange("site_blocks[site_block_id=11]", before[0], None),
        FieldChange("site_blocks[site_block_id=12].phone_number_id", 2, 3),
    ]


def test_a_new_object_is_one_change() -> None:
    assert leaf_changes("dynamic_call_tracking", None, {"count_visits": 1}) == [
        FieldChange("dynamic_call_tracking", None, {"count_visits": 1})]
