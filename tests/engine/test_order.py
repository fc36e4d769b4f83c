from reconciler.engine.plan import order
from reconciler.model import Action, Operation


def _op(op_id: str, campaign: str, waits: tuple[str, ...] = ()) -> Operation:
    return Operation(id=op_id, account="a", campaign=campaign, action=Action.UPDATE, method="m", request={},
                     waits_for=waits)


def test_eng_01_order_is_deterministic_and_respects_dependencies() -> None:
    ops = [_op("a:Z:update", "Z"), _op("a:B:update-blocks", "B", ("a:B:activate",)), _op("a:B:activate", "B"),
           _op("a:A:update", "A", ("a:Z:update",))]
    expected = ["a:B:activate", "a:B:update-blocks", "a:Z:update", "a:A:update"]
    assert [o.id for o in order(ops)] == expected
    assert [o.id for o in order(reversed(ops))] == expected
