"""The ``reconciler`` command's entry point: the process around ``cli.main``. Ctrl-C ends a run with one line,
``Interrupted.``, and exit code 130 (128 + SIGINT, as shells report it) whenever it comes: while Python is
still importing the command (its first few hundred milliseconds), at apply's question, or during the run.
Once the outcome is decided, Ctrl-C is ignored: a later one can neither cut into the report nor replace the
exit code. (In its shutdown Python restores SIGINT's default action, so a Ctrl-C then killed the process by
the signal after it had reported its outcome; an ignored signal stays ignored.) While the run's vendor calls
are under way (``interrupt.run_job``) the first Ctrl-C cancels them and later ones are ignored.

Under ``python -m reconciler`` (not the installed script) CPython 3.11 may still end an interrupted run by
SIGINT rather than with 130 (a shell shows 130 for both): when the KeyboardInterrupt left code a library
compiled from a string (namedtuple, dataclasses, at import), CPython marks it unhandled though it was handled
here, and ``-m`` ends by the signal on that mark."""

from __future__ import annotations

import sys

# Nothing more is imported here (not even typing, for an annotation): a Ctrl-C during an import above the
# guard below would end the run with Python's traceback.

INTERRUPTED = 130


def run() -> int:
    """The exit code (``sys.exit(run())``, as the script pip installs calls it)."""
    code = INTERRUPTED
    try:
        from reconciler.cli import main

        code = main()  # returns INTERRUPTED for a Ctrl-C it catches, without a word: it is reported below
    except KeyboardInterrupt:  # while Python imports the command, or after main has decided its outcome
        pass
    # The outcome is decided. A Ctrl-C may be pending (it has arrived, its handler not yet run): then
    # signal.signal raises it without changing the handler, and the loop sets the handler again.
    while True:
        try:
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
            break
        except KeyboardInterrupt:
            continue
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # a reader that has gone (`| head`): what is left of the output goes nowhere,
        import os  # as Python's documentation advises for SIGPIPE

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if code == INTERRUPTED:  # only now: no Ctrl-C can cut in and have it reported twice; after the output
        sys.stderr.write("Interrupted.\n")
    return code
