"""What a run keeps is left out of the collector's passes while it runs, and given back when it ends."""

from __future__ import annotations

import gc

from reconciler.cli import main
from reconciler.engine.memory import kept


def test_what_a_block_keeps_is_frozen_and_the_collector_is_as_it_was() -> None:
    gc.unfreeze()
    try:
        with kept():
            assert not gc.isenabled()  # no pass while the data is made
            data = [{"id": i, "fields": {"name": f"c{i}"}} for i in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= 2000  # each campaign and its fields
        gc.disable()
        with kept():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
        gc.unfreeze()
    assert data[-1]["id"] == 999


def test_a_run_gives_what_it_kept_back_to_the_collector_when_it_ends() -> None:
    with kept():
        kept_data = [[i] for i in range(100)]
    assert gc.get_freeze_count() > 0
    assert main(["--version"]) == 0
    assert gc.get_freeze_count() == 0
    assert len(kept_data) == 100
