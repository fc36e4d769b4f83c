"""Run reconciler in a workflow job with the job's credentials, given as ONE secret of ``NAME=value`` lines.

A reusable workflow cannot know which secrets a repository's ``reconciler.yaml`` reads (``${env:NAME}``), so the
caller passes them as one secret, ``credentials``, one ``NAME=value`` a line (``#`` comments and blank lines
are ignored). ``python -m reconciler.workflow.run --mask`` registers every value with the runner's log masking
(``::add-mask::``); ``python -m reconciler.workflow.run ARGS...`` runs ``reconciler ARGS...`` with them in its
environment only: they are never written to ``$GITHUB_ENV`` or a file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence

VARIABLE = "RECONCILER_CREDENTIALS"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CredentialsError(ValueError):
    """A line of the credentials secret that is not ``NAME=value`` (the value is never quoted back)."""


def parse(text: str) -> dict[str, str]:
    """``NAME=value`` lines; blank lines and ``#`` comments are skipped; a value keeps everything after the
    first ``=``, spaces included, but a line ending (CRLF from a pasted secret) is dropped."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not NAME.fullmatch(name):
            raise CredentialsError(f"{VARIABLE} line {number} is not NAME=value (NAME: letters, digits, _)")
        found[name] = value
    return found


def masks(credentials: Mapping[str, str]) -> list[str]:
    """One ``::add-mask::`` workflow command per value (and per line of a value, as the runner masks lines)."""
    return [f"::add-mask::{part}" for value in credentials.values() for part in value.splitlines() if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        credentials = parse(os.environ.get(VARIABLE, ""))
    except CredentialsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args == ["--mask"]:
        print("\n".join(masks(credentials)))
        print(f"{len(credentials)} credential(s) masked: {', '.join(sorted(credentials)) or 'none'}.")
        return 0
    os.environ.pop(VARIABLE, None)  # reconciler sees each credential under its own name only
    os.environ.update(credentials)
    from reconciler.entry import run  # imported here: the credentials are in the environment first

    sys.argv[1:] = args
    return run()


if __name__ == "__main__":
    sys.exit(main())
