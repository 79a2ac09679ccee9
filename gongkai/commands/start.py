"""The ``gongkai`` command's first lines (the console script and ``python -m
gongkai``): the commands imported, then ``cli.run``.

Importing the commands takes some 50 ms, and a Ctrl+C meanwhile arrives
before click (which turns one into "已取消。" and exit code 1) is running:
it printed Python's traceback.  Here it gets the same words and code.  The
package itself (gongkai/__init__.py) imports next to nothing, so what is
left before this point is the interpreter's own start.
"""

from __future__ import annotations

import os
import sys

__all__ = ["run"]


def run() -> None:
    try:
        from gongkai.core.heap import settled

        with settled():  # importing the commands makes many objects and no garbage
            from gongkai.commands.cli import run as run_cli
    except KeyboardInterrupt:
        cancelled()
    run_cli()


def cancelled() -> None:
    """Ctrl+C before the command ran: what click says then, and exit code 1."""
    try:
        sys.stderr.write("\n已取消。\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(1)
