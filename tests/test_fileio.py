"""Safe writes: short unmistakable temporaries, cleaned by the next run; clear errors."""

import errno
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import vqpress
from vqpress import VQError, _fileio


@pytest.fixture
def small():
    return vqpress.compress(np.arange(64, dtype=np.uint8).reshape(8, 8), 4)


def test_temporary_names_are_short_and_unmistakable():
    names = {_fileio.temp_name() for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith(".vqpress-tmp-") and len(name) <= 40
        assert _fileio._TMP_NAME.match(name)


def test_a_long_legal_name_can_be_written(tmp_path, small):
    """A 240-character name failed: the temporary name was the target's plus 30."""
    path = tmp_path / ("n" * 236 + ".vqz")
    vqpress.save(path, small)
    np.testing.assert_array_equal(vqpress.load(path).decompress(), small.decompress())
    vqpress.imwrite(tmp_path / ("p" * 236 + ".png"), small.decompress())
    assert sorted(len(p.name) for p in tmp_path.iterdir()) == [240, 240]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_of_dead_runs_are_cleaned_by_the_next_write(tmp_path, small, monkeypatch):
    monkeypatch.setattr(_fileio, "_CLEANED", set())
    tag = _fileio._machine_tag()
    dead = _dead_pid()
    stale_file = tmp_path / f".vqpress-tmp-{tag}-{dead}-abc123"
    stale_dir = tmp_path / f".vqpress-tmp-{tag}-{dead}-def456"
    alive = tmp_path / f".vqpress-tmp-{tag}-{os.getppid()}-ghi789"  # a running process's: kept
    other = "ffff" if tag != "ffff" else "fffe"
    foreign_new = tmp_path / f".vqpress-tmp-{other}-1-jkl012"  # another machine's, recent: kept
    foreign_old = tmp_path / f".vqpress-tmp-{other}-2-mno345"  # another machine's, a day old: removed
    lookalike = tmp_path / ".vqpress-tmp-notes.txt"  # not our pattern: kept
    for p in (stale_file, alive, foreign_new, foreign_old, lookalike):
        p.write_bytes(b"partial")
    stale_dir.mkdir()
    (stale_dir / "x.html").write_text("half a report")
    old = time.time() - 2 * 24 * 3600
    os.utime(foreign_old, (old, old))
    vqpress.save(tmp_path / "out.vqz", small)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"out.vqz", alive.name, foreign_new.name, lookalike.name}


def test_errors_name_the_users_file_not_the_temporary(tmp_path, monkeypatch):
    def full_disk(fh):
        fh.write(b"x")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(VQError, match=r"cannot write .*out\.vqz: No space left on device \(the disk is full\)") as err:
        _fileio.atomic_write(tmp_path / "out.vqz", full_disk)
    assert "vqpress-tmp" not in str(err.value)
    assert list(tmp_path.iterdir()) == []

    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(VQError, match=r"cannot write .*ro\.png: Read-only file system") as err:
        vqpress.imwrite(tmp_path / "ro.png", np.zeros((2, 2), np.uint8))
    assert "vqpress-tmp" not in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes anywhere")
def test_read_only_folder_for_real(tmp_path, small):  # pragma: no cover - not run as root
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(VQError, match="cannot write"):
            vqpress.save(folder / "x.vqz", small)
    finally:
        folder.chmod(0o700)


def test_no_silent_overwrite_even_when_the_target_appears_meanwhile(tmp_path, small, monkeypatch):
    target = tmp_path / "race.vqz"

    def appear(fh):
        fh.write(b"new")
        target.write_bytes(b"someone else's")

    with pytest.raises(VQError, match="race.vqz exists"):
        _fileio.atomic_write(target, appear)
    assert target.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["race.vqz"]
    _fileio.atomic_write(target, lambda fh: fh.write(b"mine"), overwrite=True)
    assert target.read_bytes() == b"mine"


def test_interrupted_write_leaves_nothing(tmp_path):
    def interrupted(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fileio.atomic_write(tmp_path / "k.vqz", interrupted)
    assert list(tmp_path.iterdir()) == []
