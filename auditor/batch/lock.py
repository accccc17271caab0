"""One batch run per database at a time.

Two ``auditor batch`` runs on one database each read the ledger at their start, so both audited every
app the ledger did not yet hold: the whole campaign twice. The run takes an exclusive ``flock`` on
``<db>.lock`` beside the database for as long as it runs; a second run is refused at once with a
clear error (and resumes cleanly once the first is done). The kernel drops the lock when the process
dies, so a killed run leaves no stale lock; the file is removed at the end of a run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from auditor.errors import InputError


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextlib.contextmanager
def exclusive(db: Path) -> Iterator[None]:
    """Hold the database's batch lock, or raise InputError if another run holds it."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(db, f"cannot create its folder: {e.strerror or e}") from None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise InputError(path, f"cannot create the batch lock: {e.strerror or e}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(db, "another `auditor batch` is running on this database; run again when it is "
                                 "done (it resumes) or give another --db") from None
        # the file may have been removed by the run that just finished: then lock the new one
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)
