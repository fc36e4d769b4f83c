"""The bad-input corpus: each bad repository fails with one clear located line, exit 1, no traceback, no call.

Layout: ``tests/data/bad/<case>/`` is a whole repository (``reconciler.yaml`` and campaign files; its sandbox
accounts use the seeds of ``tests/data/bad/_seeds/``, copied into the case's folder as the repository must hold
them), plus ``expected.txt``: the first line the run prints on
stderr, ``file:line:col: RULE-ID message`` with paths relative to the case folder (the CLI runs there with the
default PATH). ``args.txt``, when present, is the command to run (one a line); without it the case runs
``validate`` and then ``plan``, which must both fail the same way. ``xfail.txt`` marks a known defect (its
reason); its ``expected.txt`` is the line the fixed tool should print. Cases git cannot hold (symlink loops,
a directory or a FIFO where a file should be) are built in ``tmp_path`` from ``GENERATED`` below.

No vendor call: a case that ``validate`` already refuses leaves no sandbox request log. A case that only
``plan`` can refuse needs the live state (UIS-08/09/10/11, readable references, pinned ids, Enswitch's live
dtype...): ``validate`` must pass on it, which is why the plan may read, and its log must hold reads only
(ENS-03's ``validation=1`` requests are checks that change nothing).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.cli import main

BAD = Path(__file__).resolve().parent / "data" / "bad"
SEEDS = "_seeds"
READS = frozenset({"get.campaigns", "get.sites", "get.campaign_available_phone_numbers",
                   "get.campaign_available_redirection_phone_numbers", "bulk/campaigns/list", "bulk/campaigns/get",
                   "campaigns.list", "QueryCccCampaigns", "GetCccCampaign"})
SUMMARY = re.compile(r"^\d+ problem\(s\) found; nothing was changed\.$")
LOCATED = re.compile(r"^[^\s:][^:]*:\d+:\d+: [A-Z]+(-\d\d)? \S")
UNLOCATED = {"account-unknown-on-command-line"}
"""Cases whose error is about the command line, not a file: no file:line:col to give."""
UNSET = "RECONCILER_BAD_INPUT_UNSET_TOKEN"
UIS_CONFIG = ("version: 1\naccounts:\n  uis-demo:\n    provider: uis\n    sandbox: {seed: _seeds/uis-demo.json}\n")
SPRING = "account: uis-demo\nname: Spring sale\n"


def _config_and(files: dict[str, str]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        (root / "reconciler.yaml").write_text(UIS_CONFIG)
        for rel, target in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if target == "<dir>":
                path.mkdir()
            elif target == "<fifo>":
                os.mkfifo(path)
            else:
                path.symlink_to(target)
    return build


def _campaign_and_config(config: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        (root / "campaigns").mkdir()
        (root / "campaigns" / "spring-sale.yaml").write_text(SPRING)
        if config == "<dir>":
            (root / "reconciler.yaml").mkdir()
        else:
            (root / "reconciler.yaml").symlink_to(config)
    return build


LOOP = "YAML cannot read file: Too many levels of symbolic links"
GENERATED: dict[str, tuple[Callable[[Path], None], str]] = {
    "file-symlink-loop": (_config_and({"campaigns/a.yaml": "b.yaml", "campaigns/b.yaml": "a.yaml"}),
                          f"campaigns/a.yaml:1:1: {LOOP}"),
    "file-symlink-to-itself": (_config_and({"campaigns/spring-sale.yaml": "spring-sale.yaml"}),
                               f"campaigns/spring-sale.yaml:1:1: {LOOP}"),
    "file-dangling-symlink": (_config_and({"campaigns/spring-sale.yaml": "../drafts/spring-sale.yaml"}),
                              "campaigns/spring-sale.yaml:1:1: YAML cannot read file: No such file or directory"),
    "config-symlink-loop": (_campaign_and_config("reconciler.yaml"), f"reconciler.yaml:1:1: {LOOP}"),
    "config-dangling-symlink": (_campaign_and_config("../shared/reconciler.yaml"),
                                "reconciler.yaml:1:1: YAML cannot read file: No such file or directory"),
    "config-is-a-directory": (_campaign_and_config("<dir>"),
                              "reconciler.yaml:1:1: YAML cannot read file: Is a directory"),
    "file-fifo": (_config_and({"campaigns/pipe.yaml": "<fifo>"}),
                  "campaigns/pipe.yaml:1:1: YAML cannot read file: not a regular file"),
}
NOT_RUN: dict[str, str] = {}  # cases that cannot run yet, with why


def _cases() -> list[object]:
    params: list[object] = []
    for case in sorted(p.name for p in BAD.iterdir() if p.is_dir() and p.name != SEEDS):
        xfail = BAD / case / "xfail.txt"
        marks = [pytest.mark.xfail(strict=True, reason=xfail.read_text().strip())] if xfail.exists() else []
        params.append(pytest.param(case, marks=marks, id=case))
    for case in sorted(GENERATED):
        marks = [pytest.mark.xfail(run=False, reason=NOT_RUN[case])] if case in NOT_RUN else []
        params.append(pytest.param(case, marks=marks, id=case))
    return params


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _acts(entry: dict[str, object]) -> bool:
    """Whether a logged request could change anything (a read or a validation=1 check cannot)."""
    params = entry.get("params")
    checks_only = isinstance(params, dict) and str(params.get("validation")) == "1"
    return entry["operation"] not in READS and not checks_only


def _requests(root: Path) -> list[dict[str, object]]:
    logs = sorted((root / ".reconciler" / "sandbox").glob("*.requests.jsonl"))
    return [json.loads(line) for log in logs for line in log.read_text().splitlines() if line]


@pytest.mark.parametrize("case", _cases())
def test_bad_input_is_one_located_line_and_no_vendor_call(case: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    root = tmp_path / case
    if case in GENERATED:
        build, expected = GENERATED[case]
        root.mkdir()
        build(root)
    else:
        shutil.copytree(BAD / case, root, symlinks=True)
        expected = (root / "expected.txt").read_text(encoding="utf-8").rstrip("\n")
        config = root / "reconciler.yaml"  # the seeds are shared by the cases, but must be in the repository:
        if config.is_file() and not config.is_symlink():  # the same length, so that no column moves
            config.write_bytes(config.read_bytes().replace(b"../_seeds/", b"./_seeds//"))
    shutil.copytree(BAD / SEEDS, root / SEEDS)
    args_file = root / "args.txt"
    commands = ([shlex.split(line) for line in args_file.read_text().splitlines() if line.strip()]
                if args_file.exists() else [["validate"], ["plan"]])
    assert case in UNLOCATED or LOCATED.match(expected), f"expected.txt is not file:line:col: RULE message: {expected}"
    monkeypatch.chdir(root)
    for args in commands:
        code, out, err = _run(args)
        shown = f"reconciler {' '.join(args)}:\n{out}{err}"
        assert "Traceback" not in out + err, shown
        assert code == 1, shown
        lines = err.splitlines()
        assert lines and lines[0] == expected, shown
        assert SUMMARY.match(lines[-1]), shown
    live_only = args_file.exists() and _run(["validate"])[0] == 0  # validate passes: only the live state shows it
    requests = _requests(root)
    if live_only:
        assert [r for r in requests if _acts(r)] == [], "a plan that fails must not change anything"
    else:
        assert requests == [], "a bad input refused offline must not reach the vendor"
