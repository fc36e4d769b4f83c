"""Writing files whole: the sandbox state survives a process killed in the middle of a write."""

from __future__ import annotations

from pathlib import Path

from reconciler.files import pending, read_often, write_often


def test_what_write_often_wrote_last_is_read_back(tmp_path: Path) -> None:
    state = tmp_path / "deep" / "state.json"
    assert read_often(state) is None
    write_often(state, b"one")
    write_often(state, b"two")
    assert read_often(state) == b"two" and not pending(state).exists()


def test_killed_between_removing_and_renaming_the_new_content_is_found(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    write_often(state, b"old")
    pending(state).write_bytes(b"new")  # written in full ...
    state.unlink()  # ... the old one removed, then the process died before the rename
    assert read_often(state) == b"new"


def test_killed_while_writing_the_new_content_the_old_one_stands(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    write_often(state, b"old")
    pending(state).write_bytes(b"ne")  # a partial write: the old file was not removed yet
    assert read_often(state) == b"old"
