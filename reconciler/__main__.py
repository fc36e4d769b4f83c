import sys

from reconciler.entry import run

sys.exit(run())
