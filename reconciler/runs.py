"""What ``plan`` and ``apply`` do once the command line is read: read the live campaigns and plan, have the
vendors check the plan (``--validate-remote``), and apply under the accounts' locks with each result reported as
it comes, then verify. ``cli`` imports this only for those commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from reconciler import terminal
from reconciler.config import Config
from reconciler.engine.apply import ApplyOptions, Outcome, Status, apply_plan
from reconciler.engine.connect import connect_all
from reconciler.engine.lock import applying
from reconciler.engine.remote import validate_remote
from reconciler.engine.run import make_plan, read_all, verify
from reconciler.engine.targeting import Targets
from reconciler.errors import ProblemsError, UnsafePlanError, printable
from reconciler.interrupt import run_job
from reconciler.model import Desired, Plan
from reconciler.providers.base import Session
from reconciler.render.progress import progress
from reconciler.render.text import action, render_text


async def plan_live(config: Config, desired: Mapping[str, Sequence[Desired]], sessions: Mapping[str, Session],
                    targets: Targets) -> Plan:
    """The plan for ``desired`` against the live campaigns, read now (limited to ``targets``)."""
    with progress(f"Reading live campaigns of {len(desired)} account(s)"):
        live = await read_all(sessions, list(desired), {name: len(items) for name, items in desired.items()})
        return make_plan(config, desired, live, targets)


async def check_remotely(plan: Plan, sessions: Mapping[str, Session],
                         desired: Mapping[str, Sequence[Desired]] | None) -> None:
    """--validate-remote: the vendors' refusals raised as located problems; notes on what was not checked."""
    with progress("Validating the planned requests with the vendors"):
        report = await validate_remote(plan, sessions, desired)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.problems:
        raise ProblemsError(report.problems)
    click.echo(f"Remote validation: the vendors accept all {report.checked} checked request(s).", err=True)


def apply_run(config: Config, desired: Mapping[str, Sequence[Desired]], names: Sequence[str], *, force: bool,
              ask: bool, saved: tuple[Plan, str] | None = None, remote: bool = False,
              targets: Targets | None = None) -> int:
    """``apply``: take the accounts' locks, then plan (or check ``saved``, the plan file and its shown name, by
    planning again), ask when ``ask``, carry the plan out and verify it; the exit code.

    The locks are taken before the live state is read and outside the job's event loop: waiting for another
    run's lock (up to ``lock_wait``) sleeps without awaiting, so inside the job a Ctrl-C, which only cancels
    the job at its next await, went unheeded for the whole wait; here it raises KeyboardInterrupt at once."""
    with applying(config.workdir, names, config.apply.lock_wait):
        return run_job(_apply_locked(config, desired, names, force=force, ask=ask, saved=saved, remote=remote,
                                     targets=targets))


async def _apply_locked(config: Config, desired: Mapping[str, Sequence[Desired]], names: Sequence[str], *,
                        force: bool, ask: bool, saved: tuple[Plan, str] | None, remote: bool,
                        targets: Targets | None) -> int:
    async with connect_all(config, names) as sessions:
        if saved is not None:
            from reconciler.engine.review import reviewed  # with the saved-plan models, only for apply --plan

            with progress("Planning again to check the saved plan"):
                the_plan = await reviewed(config, saved[0], desired, sessions, saved[1])
        else:
            the_plan = await plan_live(config, desired, sessions, targets or Targets())
        if remote:  # a plan the vendor refuses is not applied, not even in part
            await check_remotely(the_plan, sessions, desired)
        click.echo(render_text(the_plan, terminal.color()))
        if the_plan.empty:
            return 0
        if the_plan.needs_force and not force:
            raise UnsafePlanError("the plan exceeds a safety threshold (see the warnings above); nothing was "
                                  "changed. Check it, then apply with --force")
        if ask and not terminal.ask("\nApply these changes?"):
            click.echo("Apply cancelled; nothing was changed.")
            return 1
        click.echo("")
        options = ApplyOptions(config.apply.concurrency, config.apply.retry(), config.apply.settle)
        with progress("Applying", len(the_plan.operations)) as step:

            def report(outcome: Outcome) -> None:
                report_outcome(outcome)
                step()

            outcomes = await apply_plan(the_plan, sessions, report, options)
        code = summary(outcomes)
        with progress("Reading back the touched campaigns"):
            drift = await verify(config, the_plan, outcomes, sessions)
    for line in drift:
        click.echo(f"verify: {line}", err=True)
    if drift:
        click.echo(f"Verify failed: {len(drift)} difference(s) from the plan; run plan to see them.", err=True)
        return 1
    if code == 0:
        click.echo("Verified: every touched campaign now matches the plan.")
    return code


def report_outcome(outcome: Outcome) -> None:
    op = outcome.operation
    line = f"{outcome.status}: {op.account} / {op.campaign}: {action(op)} ({op.method})"
    terminal.say(printable(line + (f": {outcome.detail}" if outcome.detail else ""), None),
                 err=outcome.status is not Status.DONE)


def summary(outcomes: Sequence[Outcome]) -> int:
    counts = {s: sum(1 for o in outcomes if o.status is s) for s in Status}
    retried = sum(1 for o in outcomes if o.attempts > 1)
    click.echo(f"\nApply {'complete' if counts[Status.DONE] == len(outcomes) else 'incomplete'}: "
               f"{counts[Status.DONE]} done, {counts[Status.FAILED]} failed, {counts[Status.SKIPPED]} skipped"
               + (f", {counts[Status.UNKNOWN]} unknown (run plan to see whether they took effect)"
                  if counts[Status.UNKNOWN] else "")
               + (f" ({retried} needed retries)." if retried else "."))
    return 0 if counts[Status.DONE] == len(outcomes) else 1
