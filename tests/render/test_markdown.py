import re
import time

import pytest

from reconciler.model import Action, Caution, Effect, FieldChange, Operation, Plan, PlanWarning, SideEffect
from reconciler.render.markdown import render_markdown
from reconciler.render.text import NO_CHANGES

NASTY = "a|b <script>x</script> *y*"
HEADER = "| Account | Create | Update | Delete | Replace | Run state | Warnings |"


def _op(account: str, campaign: str, action: Action, *changes: FieldChange, effects: tuple[SideEffect, ...] = (),
        waits: tuple[str, ...] = (), reason: str = "") -> Operation:
    return Operation(id=f"{account}:{campaign}:{action}", account=account, campaign=campaign, action=action,
                     method=f"{action}_campaign", request={}, changes=changes, side_effects=effects,
                     waits_for=waits, reason=reason)


def _row(text: str, account: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| {account} |"))


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip("|").split("|")]


def _big_plan(n: int, accounts: int = 7) -> Plan:
    long = "x" * 400
    ops = tuple(_op(f"acct{i % accounts}", f"campaign-{i}", Action.UPDATE,
                    *(FieldChange(f"field{j}", f"{long}{i}", f"{long}{i + 1}") for j in range(4)),
                    effects=(SideEffect(Effect.RESET, "blocks reset"),) if i % 10 == 0 else ())
                for i in range(n))
    return Plan(ops, tuple(f"acct{k}" for k in range(accounts)))


def _assert_balanced(text: str) -> None:
    assert text.count("<details>") == text.count("</details>")
    assert text.count("<code>") == text.count("</code>")


def test_summary_table_counts_campaigns_per_account_with_replace_and_warnings() -> None:
    buy = SideEffect(Effect.PURCHASE, "buys 1 number")
    reset = SideEffect(Effect.RESET, "blocks reset")
    plan = Plan(
        (_op("shop", "new", Action.CREATE, effects=(buy,)),
         _op("shop", "new", Action.CONTROL),  # a second call for the same campaign counts once
         _op("shop", "old", Action.DELETE),
         _op("shop", "moved", Action.REPLACE, effects=(reset, reset)),
         _op("shop", "paused", Action.CONTROL),  # only its run state changes
         _op("agency", "spring", Action.UPDATE),
         _op("agency", "summer", Action.UPDATE)),
        ("agency", "quiet", "shop"),
        warnings=(PlanWarning("agency", Caution.THRESHOLD, "2 of 2 managed campaigns would be updated"),))
    text = render_markdown(plan)

    assert text.index(HEADER) < text.index("<details>")
    assert _cells(_row(text, "shop")) == ["shop", "1", "0", "1", "1", "1", "1 purchase, 2 resets"]
    assert _cells(_row(text, "agency")) == ["agency", "0", "2", "0", "0", "0", "threshold"]
    assert _cells(_row(text, "quiet")) == ["quiet", "0", "0", "0", "0", "0", "-"]
    assert [line.split(" |")[0] for line in text.splitlines() if line.startswith("| ")][1:] == \
        ["| agency", "| quiet", "| shop"]
    assert "Plan: 1 to create, 2 to update, 1 to delete, 1 to replace, 1 to start, stop or archive (7 calls)." in text
    assert "- ⚠ **agency**: 2 of 2 managed campaigns would be updated" in text


def test_user_text_is_escaped_in_table_rows_names_and_values() -> None:
    plan = Plan((_op("x|y\nz", NASTY, Action.UPDATE, FieldChange("a_b", "tick`s | <b>", "[link](x) \\*")),
                 _op("x|y\nz", "line\nbreak", Action.CREATE, FieldChange("name", None, "```\n| fake | row |"))),
                ("x|y\nz",))
    text = render_markdown(plan)

    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    rows = [line for line in text.splitlines() if line.startswith("| x")]
    assert len(rows) == 1  # the newline in the account name did not break the row
    assert len(_cells(rows[0])) == 7  # escaped pipes do not add cells
    assert "`" not in text.replace("`reconciler show plan.json`", "")
    assert "*y*" not in text and "[link]" not in text
    assert "line<br>break" in text
    assert not any(line.startswith("| fake") for line in text.splitlines())


def test_details_are_folded_per_account_with_changes_effects_and_waits_in_plan_order() -> None:
    plan = Plan((_op("b", "one", Action.CREATE, FieldChange("budget", None, 5)),
                 _op("a", "two", Action.UPDATE, FieldChange("budget", 1, 2),
                     effects=(SideEffect(Effect.RESET, "blocks reset"),)),
                 _op("b", "three", Action.REPLACE, waits=("b:one:create",), reason="needs its id")),
                ("a", "b"))
    text = render_markdown(plan)

    _assert_balanced(text)
    assert text.index("<details><summary>a: 1 operation</summary>") < text.index(
        "<details><summary>b: 2 operations</summary>")
    assert "  - budget = <code>5</code>" in text
    assert "  - budget: <code>1</code> -> <code>2</code>" in text
    assert "  - ! blocks reset" in text
    assert "  - waits for b:one:create: needs its id" in text
    assert text.index("<code>+</code> one: create") < text.index("<code>-/+</code> three: replace")
    assert "not shown" not in text and "shortened" not in text


def test_ten_thousand_operations_fit_github_limit_keep_summary_and_count_what_is_left_out() -> None:
    plan = _big_plan(10_000)
    start = time.perf_counter()
    text = render_markdown(plan)
    elapsed = time.perf_counter() - start

    assert len(text) <= 65_536
    assert elapsed < 2  # guards against quadratic building; it takes well under a second
    _assert_balanced(text)
    for k in range(7):
        assert _cells(_row(text, f"acct{k}"))[2] in {"1428", "1429"}
    assert "Plan: 0 to create, 10000 to update, 0 to delete (10000 calls)." in text
    shown = text.count("\n- <code>~</code>")
    assert 0 < shown < 10_000
    assert f"… {10_000 - shown:,} more operations not shown" in text
    assert "reconciler show plan.json" in text


@pytest.mark.parametrize(("limit", "note"), [
    (6_000, "Values longer than 100 characters are shortened"),
    (2_000, "Field changes are left out"),
    (800, "more operations not shown"),
])
def test_smaller_limits_degrade_the_details_step_by_step_and_say_so(limit: int, note: str) -> None:
    plan = Plan(tuple(_op("a", f"c{i}", Action.UPDATE, FieldChange("notes", "y" * 300, "z" * 300))
                      for i in range(10)), ("a",))
    assert len(render_markdown(plan)) > 7_000

    text = render_markdown(plan, limit=limit)

    assert len(text) <= limit
    assert note in text
    assert _cells(_row(text, "a")) == ["a", "0", "10", "0", "0", "0", "-"]
    _assert_balanced(text)


def test_a_plan_exactly_at_the_limit_is_not_degraded() -> None:
    plan = Plan(tuple(_op("a", f"c{i}", Action.UPDATE, FieldChange("notes", "y" * 300, "z" * 300))
                      for i in range(3)), ("a",))
    full = render_markdown(plan)
    assert render_markdown(plan, limit=len(full)) == full
    assert "shortened" in render_markdown(plan, limit=len(full) - 1)


def test_a_limit_smaller_than_the_summary_is_still_respected() -> None:
    plan = _big_plan(50, accounts=50)
    for limit in (2_000, 200, 10):
        assert len(render_markdown(plan, limit=limit)) <= limit


def test_empty_plan_is_the_heading_and_the_no_changes_sentence() -> None:
    text = render_markdown(Plan((), ("a", "b")))
    assert text == f"### Reconciler plan\n\n{NO_CHANGES}\n"


def test_eng_01_same_plan_renders_byte_identical() -> None:
    first = render_markdown(_big_plan(2_000)).encode()
    assert render_markdown(_big_plan(2_000)).encode() == first
    assert re.search(r"more operations not shown", first.decode())
