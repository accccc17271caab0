"""Running a parser of untrusted input in a child process with a memory limit and a deadline.

Some readers are bounded only from outside: pdfminer inflates every FlateDecode stream whole
(a 30 kB PDF became 6 GiB, then MemoryError), and a pathological page can run for minutes. The work
runs in a forked child (no interpreter start-up, the parent's modules already loaded) whose address
space is capped at what the parent uses plus ``memory`` bytes; the parent waits at most ``timeout``
seconds and kills it after that. The child sends its result back pickled through a pipe; the parent's
own memory and time are untouched whatever the input does.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class BoundExceeded(Exception):
    """The child ran out of its memory (``kind`` "memory"), its time ("time") or died ("crash")."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        super().__init__(detail)


def run_bounded(fn: Callable[[Any], T], arg: Any, *, memory: int, timeout: float) -> T:
    """``fn(arg)`` computed in a child limited to ``memory`` more bytes of address space and ``timeout``
    seconds. Exceptions of ``fn`` are raised again here as they were raised there; MemoryError,
    the deadline and a crash become BoundExceeded. Without fork (not POSIX) ``fn`` runs here."""
    if not hasattr(os, "fork"):
        return fn(arg)
    base = _address_space()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, exit without running the parent's cleanup
        os.close(r)
        _child(fn, arg, w, base + memory)
    os.close(w)
    try:
        data = _read_until(r, pid, time.monotonic() + timeout)
    except BaseException:  # e.g. the batch's --timeout alarm: the child must not run on alone
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    if data is None:
        raise BoundExceeded("time", f"took longer than {timeout:g} s")
    if not data:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        raise BoundExceeded("crash", f"the reader process died ({signal.Signals(sig).name if sig else status})")
    kind, value = pickle.loads(data)
    if kind == "memory":
        raise BoundExceeded("memory", f"needs more than {memory >> 20} MiB of memory")
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def _child(fn: Callable[[Any], Any], arg: Any, w: int, limit: int) -> None:
    code = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
        try:
            out: tuple[str, Any] = ("ok", fn(arg))
        except MemoryError:
            out = ("memory", None)
        except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it again
            out = ("error", e)
        try:
            data = pickle.dumps(out)
        except Exception as e:  # noqa: BLE001 - an exception that does not pickle
            data = pickle.dumps(("error", RuntimeError(f"{type(e).__name__}: {e}")))
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
    except MemoryError:
        code = 3
    except BaseException:  # noqa: BLE001 - never return into the parent's code
        code = 4
    finally:
        os._exit(code)


def _read_until(fd: int, pid: int, deadline: float) -> bytes | None:
    """Everything the child writes, or None when the deadline passes first (the child is killed)."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _die_with_parent() -> None:
    """Linux: the child is killed when its parent dies (a killed audit leaves no reader running)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
