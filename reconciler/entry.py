"""The ``reconciler`` command's entry point. It loads the command line inside a guard: Ctrl-C while Python is
still importing (the first few hundred milliseconds) ends the run with one line and exit code 130, as it does
later, never with a traceback."""

from __future__ import annotations

import os
import sys

# Nothing more is imported here (not even typing, for an annotation): a Ctrl-C during an import above the
# guard below would end the run with Python's traceback.


def run() -> None:
    try:
        from reconciler.cli import run as command

        command()
    except KeyboardInterrupt:
        try:
            sys.stderr.write("Interrupted.\n")
            sys.stderr.flush()
        finally:
            os._exit(130)
