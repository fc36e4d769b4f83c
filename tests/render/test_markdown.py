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


def test_summary_table_counts_campaigns_per_account_totals_first_with_run_state_and_warnings() -> None:
    buy = SideEffect(Effect.PURCHASE, "buys 1 number")
    reset = SideEffect(Effect.RESET, "blocks reset")
    plan = Plan(
        (_op("shop", "new", Action.CREATE, effects=(buy,)),
         _op("shop", "new", Action.CONTROL),  # created, then started: counts in both columns
         _op("shop", "old", Action.DELETE),
         _op("shop", "moved", Action.REPLACE, effects=(reset, reset)),
         _op("shop", "paused", Action.CONTROL),  # only its run state changes
         _op("agency", "spring", Action.UPDATE),
         _op("agency", "summer", Action.UPDATE)),
        ("agency", "quiet", "shop"),
        warnings=(PlanWarning("agency", Caution.THRESHOLD, "2 of 2 managed campaigns would be updated"),))
    text = render_markdown(plan)

    assert text.index(HEADER) < text.index("<details>")
    assert _cells(_row(text, "**Total**")) == ["**Total**", "1", "2", "1", "1", "2",
                                               "1 purchase, 1 destructive call, 1 threshold"]
    assert _cells(_row(text, "shop")) == ["shop", "1", "0", "1", "1", "2", "1 purchase, 1 destructive call"]
    assert _cells(_row(text, "agency")) == ["agency", "0", "2", "0", "0", "0", "threshold"]
    assert _cells(_row(text, "quiet")) == ["quiet", "0", "0", "0", "0", "0", "-"]
    assert [line.split(" |")[0] for line in text.splitlines() if line.startswith("| ")][1:] == \
        ["| **Total**", "| agency", "| quiet", "| shop"]
    assert "Plan: 1 to create, 2 to update, 1 to delete, 1 to replace, 2 to start, stop or archive " \
           "(7 calls, 1 of them destructive)." in text
    assert "- ⚠ **agency**: 2 of 2 managed campaigns would be updated" in text


def test_one_account_has_no_total_row() -> None:
    text = render_markdown(Plan((_op("a", "x", Action.UPDATE),), ("a",)))
    assert "**Total**" not in text and _cells(_row(text, "a"))[2] == "1"


def test_a_destructive_call_is_shown_as_one_and_a_campaigns_calls_are_grouped() -> None:
    removal = SideEffect(Effect.RESET, "removes all 3 questions; the update that follows puts back the other 2")
    plan = Plan((_op("cf", "Renewals", Action.UPDATE, FieldChange("Question[Label=Budget]", {"Label": "Budget"},
                                                                  None), effects=(removal,)),
                 _op("cf", "Other", Action.UPDATE, FieldChange("Script", "a", "b")),
                 _op("cf", "Renewals", Action.UPDATE, FieldChange("Script", "a", "b")),
                 _op("cf", "Renewals", Action.CONTROL, FieldChange("Status", "STOPPED", "RUNNING"))),
                ("cf",))
    text = render_markdown(plan)

    assert "- Renewals: 3 calls\n  - <code>!</code> destructive update (update&#95;campaign)\n" \
           "    - Question&#91;Label=Budget&#93;: <code>{&quot;Label&quot;: &quot;Budget&quot;}</code> -> " \
           "<code>(none)</code>\n    - ! removes all 3 questions" in text
    body = text[text.index("<details>"):]
    assert body.index("Renewals: 3 calls") < body.index("<code>></code> control") < body.index("Other: update")
    assert "- <code>~</code> Other: update (update&#95;campaign)" in text
    assert _cells(_row(text, "cf")) == ["cf", "0", "2", "0", "0", "1", "1 destructive call"]
    assert "(4 calls, 1 of them destructive)" in text


def test_errors_and_the_run_are_inside_the_comment_and_failed_accounts_have_a_row() -> None:
    plan = Plan((_op("a", "x", Action.UPDATE),), ("a", "b"))
    context = "Commit `0123abc` · [run 7](https://github.com/o/r/actions/runs/7)"
    text = render_markdown(plan, errors={"c": "campaigns/x.yaml:3:1: UIS-06 bad <b>status</b>\n"
                                              "1 problem(s) found; nothing was changed."}, context=context)

    assert text.startswith(f"### Reconciler plan\n\n{context}\n\n| Account")
    assert _cells(_row(text, "c")) == ["c", "-", "-", "-", "-", "-", "**not planned** (see below)"]
    assert _cells(_row(text, "**Total**"))[-1] == "1 not planned"
    assert "**1 account could not be planned**: c." in text
    assert "**c** could not be planned:\n<pre>\ncampaigns/x.yaml:3:1: UIS-06 bad &lt;b&gt;status&lt;/b&gt;\n" \
           "1 problem(s) found; nothing was changed.\n</pre>" in text
    assert text.index("</pre>") < text.index("<details>")


def test_an_error_alone_is_not_no_changes_and_a_huge_error_is_shortened() -> None:
    text = render_markdown(Plan((), ()), errors={"a": "x" * 100_000}, limit=20_000)
    assert NO_CHANGES not in text and len(text) <= 20_000
    assert "x" * 3_000 + "\n… 97,000 more characters in the run&#39;s log" in text  # the first 3,000 kept
    assert text.count("x") == 3_000


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
    assert _cells(_row(text, "**Total**"))[2] == "10000"
    assert "Plan: 0 to create, 10000 to update, 0 to delete (10,000 calls, 1,000 of them destructive)." in text
    left_out = [int(n.replace(",", "")) for n in re.findall(r"… ([\d,]+) more operations not shown", text)]
    assert len(left_out) == 7  # every account is there, each saying how much it left out
    shown = text.count("\n- <code>")
    assert 0 < shown < 10_000 and shown + sum(left_out) == 10_000
    assert "reconciler show plan.json" in text


def test_a_large_account_is_shortened_never_dropped_and_small_ones_stay_whole() -> None:
    big = tuple(_op("big", f"c{i}", Action.UPDATE, FieldChange("notes", "y" * 300, "z" * 300)) for i in range(500))
    small = (_op("small", "one", Action.UPDATE, FieldChange("notes", "y" * 300, "z" * 300)),
             _op("zz-small", "two", Action.CREATE, FieldChange("budget", None, 5)))
    text = render_markdown(Plan(big + small, ("big", "small", "zz-small")), limit=20_000)

    assert len(text) <= 20_000
    _assert_balanced(text)
    assert "<details><summary>big: 500 operations</summary>" in text
    assert "more operations not shown" in text.split("<summary>big")[1].split("</details>")[0]
    small_block = text.split("<summary>small")[1].split("</details>")[0]
    assert "z" * 300 in small_block and "not shown" not in small_block and "shortened" not in small_block
    assert "  - budget = <code>5</code>" in text.split("<summary>zz-small")[1]


def test_the_room_a_shortened_account_does_not_use_goes_to_the_others() -> None:
    # "long" needs the most in full but, with its values shortened, little: the room left of its share goes
    # to "many", so the comment comes close to its limit rather than stopping at two equal shares.
    long = tuple(_op("long", f"l{i}", Action.UPDATE, FieldChange("notes", "y" * 5_000, "z" * 5_000))
                 for i in range(20))
    many = tuple(_op("many", f"m{i:04d}", Action.UPDATE, FieldChange("budget", i, i + 1)) for i in range(2_000))
    text = render_markdown(Plan(long + many, ("long", "many")), limit=40_000)

    assert 36_000 < len(text) <= 40_000
    _assert_balanced(text)
    long_block = text.split("<summary>long")[1].split("</details>")[0]
    assert long_block.count("\n- <code>") == 20 and "shortened" in long_block
    many_block = text.split("<summary>many")[1].split("</details>")[0]
    assert "more operations not shown" in many_block and len(many_block) > 30_000


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
    assert "<details><summary>a: 10 operations</summary>" in text

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
