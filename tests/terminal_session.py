"""The CLI run on a real pseudo-terminal, as a person runs it: the terminal is the child's controlling
terminal (so Ctrl-C typed there sends it SIGINT, as in a shell), and keys are typed at apply's question."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

QUESTION = b"Apply these changes?"


def _controlling(fd: int) -> None:
    """In the child: a session of its own whose controlling terminal is ``fd``."""
    os.setsid()
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)


def in_terminal(cwd: Path, *args: str, keys: bytes = b"", **env: str) -> tuple[int, str, float]:
    """Run the CLI on a pseudo-terminal; type ``keys`` once it asks its question. Exit code, everything it
    showed, and seconds from the keys to its exit (0 when none were typed)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR")}
    environ.update(TERM="xterm-256color", COLUMNS="120", **env)
    main, child = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", *args], cwd=cwd, env=environ, stdin=child,
                            stdout=child, stderr=child, close_fds=True,
                            preexec_fn=lambda: _controlling(0))
    os.close(child)
    seen, typed = b"", 0.0
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 30)
            if not ready:
                raise AssertionError(f"no output for 30 s: {seen[-500:]!r}")
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if keys and QUESTION in seen and not typed:
                time.sleep(0.2)  # at the question, waiting for an answer
                os.write(main, keys)
                typed = time.monotonic()
    finally:
        os.close(main)
    code = proc.wait(timeout=30)
    return code, seen.decode(errors="replace"), (time.monotonic() - typed) if typed else 0.0
