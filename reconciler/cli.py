"""Command line: one function per command; errors become one line each and an exit code."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler import __version__
from reconciler.config import Config, load_config
from reconciler.engine.apply import Outcome, Status, apply_plan
from reconciler.engine.connect import connect_all, open_store
from reconciler.engine.load import load_desired
from reconciler.engine.run import make_plan
from reconciler.errors import ProblemsError, ReconcilerError
from reconciler.model import Desired
from reconciler.providers import PROVIDERS
from reconciler.render.text import render_text
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer

PATH = click.argument("path", default=".", type=click.Path(path_type=Path, exists=True))
ACCOUNTS = click.option("--account", "accounts", multiple=True, metavar="NAME",
                        help="Only this account (repeatable).")


def _load(path: Path, accounts: Sequence[str]) -> tuple[Config, dict[str, list[Desired]]]:
    config = load_config(path)
    return config, load_desired(config, path, Path.cwd(), accounts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """GitOps for campaign configuration: plan and apply vendor campaigns from YAML."""


@cli.command()
@PATH
def validate(path: Path) -> int:
    """Offline checks: YAML, schema, and every rule that needs no live state."""
    _, desired = _load(path, ())
    count = sum(len(v) for v in desired.values())
    click.echo(f"Valid: {count} campaign(s) in {len(desired)} account(s).")
    return 0


@cli.command()
@PATH
@ACCOUNTS
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when there are no changes, 2 when there are.")
def plan(path: Path, accounts: tuple[str, ...], detailed_exitcode: bool) -> int:
    """Show the calls that would make the live campaigns match the documents."""
    config, desired = _load(path, accounts)

    async def run() -> bool:
        async with connect_all(config, desired) as sessions:
            the_plan = await make_plan(config, desired, sessions)
        click.echo(render_text(the_plan))
        return the_plan.empty

    empty = asyncio.run(run())
    return 2 if detailed_exitcode and not empty else 0


@cli.command()
@PATH
@ACCOUNTS
@click.option("--yes", is_flag=True, help="Apply without asking (needed when not on a terminal).")
def apply(path: Path, accounts: tuple[str, ...], yes: bool) -> int:
    """Plan, then carry the plan out."""
    config, desired = _load(path, accounts)
    if not yes and not sys.stdin.isatty():
        raise click.UsageError("apply needs --yes when it cannot ask (standard input is not a terminal)")

    async def run() -> int:
        async with connect_all(config, desired) as sessions:
            the_plan = await make_plan(config, desired, sessions)
            click.echo(render_text(the_plan))
            if the_plan.empty:
                return 0
            if not yes and not click.confirm("\nApply these changes?", default=False):
                click.echo("Apply cancelled; nothing was changed.")
                return 1
            click.echo("")
            outcomes = await apply_plan(the_plan, sessions, _report)
        return _summary(outcomes)

    return asyncio.run(run())


def _report(outcome: Outcome) -> None:
    op = outcome.operation
    line = f"{outcome.status}: {op.account} / {op.campaign}: {op.action} ({op.method})"
    click.echo(line + (f": {outcome.detail}" if outcome.detail else ""), err=outcome.status is not Status.DONE)


def _summary(outcomes: Sequence[Outcome]) -> int:
    counts = {s: sum(1 for o in outcomes if o.status is s) for s in Status}
    click.echo(f"\nApply {'complete' if counts[Status.DONE] == len(outcomes) else 'incomplete'}: "
               f"{counts[Status.DONE]} done, {counts[Status.FAILED]} failed, {counts[Status.SKIPPED]} skipped.")
    return 0 if counts[Status.DONE] == len(outcomes) else 1


@cli.group()
def sandbox() -> None:
    """Run or reset the built-in vendor sandboxes."""


@sandbox.command("serve")
@PATH
@click.option("--account", "account", required=True, metavar="NAME")
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--for", "seconds", type=float, default=3600.0, help="Stop after this many seconds.")
def serve(path: Path, account: str, port: int, seconds: float) -> int:
    """Serve one account's sandbox on 127.0.0.1 for exploring with curl."""
    config = load_config(path)
    acct = config.accounts.get(account)
    if acct is None or acct.sandbox is None:
        raise click.UsageError(f"account '{account}' has no sandbox: block in reconciler.yaml")
    provider = PROVIDERS[acct.provider]
    credentials = provider.sandbox_credentials()
    store = open_store(config, acct, credentials.values())
    limits = RateLimits(acct.sandbox.limits.minute, acct.sandbox.limits.day)
    with SandboxServer(provider.sandbox_app(store, credentials, limits), port) as server:
        click.echo(f"{acct.provider} sandbox for '{account}' on {server.url} (stops in {seconds:g} s)")
        for name, value in credentials.items():
            click.echo(f"  {name}: {value}")
        time.sleep(seconds)
    return 0


@sandbox.command("reset")
@PATH
@click.option("--account", "accounts", multiple=True, metavar="NAME")
def reset(path: Path, accounts: tuple[str, ...]) -> int:
    """Forget sandbox state and request logs: the next run starts from the seed."""
    config = load_config(path)
    for name in accounts or tuple(config.accounts):
        for suffix in (".json", ".requests.jsonl"):
            (config.workdir / "sandbox" / f"{name}{suffix}").unlink(missing_ok=True)
        click.echo(f"reset sandbox of '{name}'")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="reconciler",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 1
    except ProblemsError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was changed.", err=True)
        return 1
    except ReconcilerError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    return result if isinstance(result, int) else 0
