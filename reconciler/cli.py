"""Command line: one function per command; errors become one line each and an exit code."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler import __version__, terminal
from reconciler.entry import INTERRUPTED
from reconciler.errors import Problem, ProblemsError, ReconcilerError, printable
from reconciler.interrupt import from_ctrl_c, run_job
from reconciler.render import FORMATS, Format

# Each command imports what it uses when it runs: `--help` loads no provider, and `validate` only the
# providers its accounts use, without the HTTP client, the sandbox server or the saved-plan models.
if TYPE_CHECKING:
    from reconciler.config import Config
    from reconciler.model import Desired, Plan
    from reconciler.scope import Scope

PATH = click.argument("path", default=".", type=click.Path(path_type=Path, exists=True))
ACCOUNTS = click.option("--account", "accounts", multiple=True, metavar="NAME",
                        help="Only this account (repeatable).")
CAMPAIGNS = click.option("--campaign", "campaigns", multiple=True, metavar="NAME",
                         help="Only campaigns whose name matches this glob (repeatable), and those they wait for.")


def _open(path: Path, accounts: Sequence[str], *, whole: bool = True,
          offline: bool = False) -> tuple[Config, dict[str, list[Desired]], Scope]:
    """The configuration, the desired campaigns (of the whole repository's documents, or with ``whole=False``
    of the scope's) and what PATH stands for, fully read and validated: a problem stops the run before any
    sandbox starts or any vendor is called (``offline``: unset credentials are no problem)."""
    from reconciler.engine.preflight import open_run

    return open_run(path, accounts, credentials=not offline, whole=whole)


def _load(path: Path, accounts: Sequence[str], *, whole: bool = True,
          offline: bool = False) -> tuple[Config, dict[str, list[Desired]]]:
    config, desired, _ = _open(path, accounts, whole=whole, offline=offline)
    return config, desired


@click.group(cls=terminal.Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.option("--debug", is_flag=True, help="Log every vendor call to stderr (secrets masked).")
def cli(debug: bool) -> None:
    """GitOps for campaign configuration: plan and apply vendor campaigns from YAML."""
    _debug_log(debug)


DEBUG_HANDLER = "reconciler-debug"


def _debug_log(on: bool) -> None:
    """Start (or stop) the DEBUG log on stderr; it masks every secret the process knows (ENG-08)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == DEBUG_HANDLER]:
        root.removeHandler(old)
    root.setLevel(logging.DEBUG if on else logging.WARNING)
    if on:
        from reconciler.http import RedactingFilter

        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(DEBUG_HANDLER)
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


@cli.command()
@PATH
@click.option("--format", "fmt", type=click.Choice(("text", "github")), default="text", show_default=True,
              help="github: each problem as a GitHub Actions annotation on its file and line.")
def validate(path: Path, fmt: str) -> int:
    """Offline checks: YAML, schema, and every rule that needs no live state."""
    from reconciler.render.github import error_annotations

    try:
        _, desired = _load(path, (), whole=False, offline=True)
    except ReconcilerError as exc:
        if fmt != "github":
            raise
        text, count = error_annotations(exc)
        click.echo(text)
        click.echo(f"{count} problem(s) found.", err=True)
        return 1
    count = sum(len(v) for v in desired.values())
    click.echo(f"Valid: {count} campaign(s) in {len(desired)} account(s).")
    return 0


@cli.command()
@PATH
@click.option("--json", "as_json", is_flag=True, help="One line of JSON for a CI matrix (name, provider, sandbox).")
def accounts(path: Path, as_json: bool) -> int:
    """List the accounts of reconciler.yaml (no secrets): one CI job per account."""
    from reconciler.accounts import summaries, to_json, to_table
    from reconciler.config import load_config

    found = summaries(load_config(path))
    click.echo(to_json(found) if as_json else to_table(found))
    return 0


FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                      help="text for people, markdown for a pull-request comment, json for machines.")


def _providers(config: Config, plan: Plan) -> dict[str, str]:
    return {name: config.accounts[name].provider for name in plan.accounts}


REMOTE = click.option("--validate-remote", "remote", is_flag=True,
                      help="Have the vendor check every planned create and update without acting (Enswitch: "
                           "validation=1); any refusal fails the run before anything is changed.")


@cli.command()
@PATH
@ACCOUNTS
@CAMPAIGNS
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Save the plan (JSON) for `show` and `apply --plan`.")
@FORMAT
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when there are no changes, 2 when there are.")
@REMOTE
def plan(path: Path, accounts: tuple[str, ...], campaigns: tuple[str, ...], out: Path | None, fmt: Format,
         detailed_exitcode: bool, remote: bool) -> int:
    """Show the calls that would make the live campaigns match the documents."""
    from reconciler import runs
    from reconciler.engine.connect import connect_all
    from reconciler.render import render

    config, desired, where = _open(path, accounts)

    async def run() -> Plan:
        async with connect_all(config, list(desired)) as sessions:
            the_plan = await runs.plan_live(config, desired, sessions, where.targets(config, desired, campaigns))
            if remote:
                await runs.check_remotely(the_plan, sessions, desired)
            return the_plan

    the_plan = run_job(run())
    if out is not None:  # only then are the saved-plan models loaded
        from reconciler import planfile
        from reconciler.files import write_atomic

        write_atomic(out, planfile.dumps(the_plan, _providers(config, the_plan)))
    click.echo(render(the_plan, fmt, _providers(config, the_plan), terminal.color()))
    return 2 if detailed_exitcode and not the_plan.empty else 0


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@FORMAT
def show(file: Path, fmt: Format) -> int:
    """Show a saved plan (its checksum is checked first)."""
    from reconciler import planfile
    from reconciler.documents import display_name
    from reconciler.render import render

    saved, providers = planfile.load(file, display_name(file, Path.cwd()))
    click.echo(render(saved, fmt, providers, terminal.color()))
    return 0


@cli.command()
@PATH
@ACCOUNTS
@CAMPAIGNS
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Apply this saved plan, only if planning again now gives exactly it (ENG-07).")
@click.option("--yes", is_flag=True, help="Apply without asking (needed when not on a terminal).")
@click.option("--force", is_flag=True, help="Apply even when the plan exceeds a safety threshold (ENG-06).")
@REMOTE
def apply(path: Path, accounts: tuple[str, ...], campaigns: tuple[str, ...], plan_file: Path | None, yes: bool,
          force: bool, remote: bool) -> int:
    """Plan (or load a saved plan), then carry it out and check the result."""
    from reconciler import runs

    if plan_file is not None:
        from reconciler import planfile
        from reconciler.config import load_config
        from reconciler.documents import display_name

        if accounts or campaigns:
            raise click.UsageError("--account and --campaign choose what to plan; a saved plan has its own")
        shown = display_name(plan_file, Path.cwd())
        saved, providers = planfile.load(plan_file, shown)
        _check_accounts(load_config(path), providers, shown)
        config, desired, _ = _open(path, saved.accounts)
        return runs.apply_run(config, desired, saved.accounts, force=force, ask=False, saved=(saved, shown),
                              remote=remote)
    config, desired, where = _open(path, accounts)
    if not yes and not sys.stdin.isatty():
        raise click.UsageError("apply needs --yes when it cannot ask (standard input is not a terminal)")
    return runs.apply_run(config, desired, list(desired), force=force, ask=not yes, remote=remote,
                          targets=where.targets(config, desired, campaigns))


def _check_accounts(config: Config, providers: Mapping[str, str], shown: str) -> None:
    from reconciler import planfile

    problems = [Problem(None, planfile.RULE, f"{shown}: account '{name}' ({provider}) is not a {provider} account "
                                             "in reconciler.yaml")
                for name, provider in sorted(providers.items())
                if name not in config.accounts or config.accounts[name].provider != provider]
    if problems:
        raise ProblemsError(problems)


@cli.command("import")
@PATH
@click.option("--account", "account", required=True, metavar="NAME", help="The account whose campaigns to import.")
@click.option("--force", is_flag=True, help="Overwrite files that are in the way.")
def import_(path: Path, account: str, force: bool) -> int:
    """Write a YAML document for each live campaign of an account that no document describes yet."""
    from reconciler.documents import load_tree
    from reconciler.engine.adopt import import_campaigns

    config, desired = _load(path, (account,))
    documents = {doc.source.file for doc in load_tree(config.root, Path.cwd(), config.discovery)[0]}  # kept
    imported = run_job(import_campaigns(config, account, desired[account], force=force, base=Path.cwd(),
                                        documents=documents))
    click.echo("\n".join(imported.lines()))
    return 0


@cli.command("fmt")
@PATH
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the files that would change.")
def fmt_(path: Path, check: bool) -> int:
    """Rewrite campaign files in the canonical layout (key order, indentation), keeping comments."""
    from reconciler.fmt import format_tree

    changes = format_tree(path, Path.cwd(), write=not check)
    for change in changes:
        click.echo(f"{'would reformat' if check else 'reformatted'} {change.shown}")
    if check and changes:
        click.echo(f"{len(changes)} file(s) would be reformatted.", err=True)
        return 1
    return 0


@cli.group()
def sandbox() -> None:
    """Run or reset the built-in vendor sandboxes."""


@sandbox.command("serve")
@PATH
@click.option("--account", "account", required=True, metavar="NAME")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--for", "seconds", type=float, default=3600.0, help="Stop after this many seconds.")
def serve(path: Path, account: str, port: int, seconds: float) -> int:
    """Serve one account's sandbox on 127.0.0.1 for exploring with curl."""
    from reconciler.config import load_config
    from reconciler.engine.connect import sandbox_app
    from reconciler.providers import PROVIDERS
    from reconciler.sandbox.server import SandboxServer

    config = load_config(path)
    acct = config.accounts.get(account)
    if acct is None or acct.sandbox is None:
        raise click.UsageError(f"account '{account}' has no sandbox: block in reconciler.yaml")
    credentials = PROVIDERS[acct.provider].sandbox_credentials()
    with SandboxServer(sandbox_app(config, acct, credentials), port) as server:
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
    from reconciler.config import load_config
    from reconciler.files import pending

    config = load_config(path)
    for name in accounts or tuple(config.accounts):
        state = config.workdir / "sandbox" / f"{name}.json"
        for path in (state, pending(state), state.with_name(f"{name}.requests.jsonl")):
            path.unlink(missing_ok=True)
        click.echo(f"reset sandbox of '{name}'")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The exit code of the command line ``argv``, its problems and errors printed one line each. An
    interrupted run (Ctrl-C) returns INTERRUPTED without a word: ``entry.run`` reports it once no further
    Ctrl-C can cut into the report."""
    args = list(argv) if argv is not None else sys.argv[1:]
    if any("\0" in arg for arg in args):  # no path or name can hold one; the system would refuse it later
        click.echo("error: an argument holds a NUL byte (\\0), which no path or name can hold", err=True)
        return 1
    try:
        result = cli.main(args=args, prog_name="reconciler", standalone_mode=False,
                          color=terminal.color() or None)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # entry.run reports it once Ctrl-C is ignored
        return INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return 1
    except ProblemsError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was changed.", err=True)
        return 1
    except ReconcilerError as exc:
        for line in str(exc).splitlines() or [""]:
            click.echo(f"error: {printable(line, None)}", err=True)
        return 1
    except Exception as exc:  # a defect of ours: still one line (the traceback only in the DEBUG log)
        if from_ctrl_c(exc):
            return INTERRUPTED
        from reconciler.http import masked

        logging.getLogger("reconciler").debug("internal error", exc_info=True)
        click.echo(f"error: internal error ({type(exc).__name__}: {printable(masked(str(exc)), 200)}); "
                   "please report it (--debug shows where)", err=True)
        return 1
    finally:
        _debug_log(False)
    return result if isinstance(result, int) else 0

