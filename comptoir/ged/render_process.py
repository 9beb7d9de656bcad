"""The render process: thumbnails and OCR of the background work run in a child process of their own,
at a lower priority and under its own limits, so that a hostile page or a long OCR can neither starve
the sends and the web of CPU nor fill the worker's memory.

`render_call("thumbnail_png", path=…, content_type=…)` runs one function of `comptoir.ged.render` in
the child and returns its result. One child per process, started on first use, exits after
`IDLE_SECONDS` without work (it costs ~40 MB while it lives); calls from several threads take turns
(PDFium is not thread-safe anyway). The child:

- runs at `nice` + NICE (and so does the Tesseract it starts): on a busy machine the kernel gives the
  CPU to the sends and the web first;
- may use RENDER_MEMORY_BYTES of address space, and CPU_SECONDS of CPU per call (soft RLIMIT_CPU, moved
  at each call): over either, it dies or fails, and only that call fails;
- is killed when a call takes longer than its `timeout` (wall clock); it leaves when its parent dies
  (its stdin ends) or after IDLE_SECONDS without a call.

The request and reply are pickles over the child's stdin/stdout (it is our own process).
"""

import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time

logger = logging.getLogger(__name__)

NICE = 10
RENDER_MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 120
IDLE_SECONDS = 60.0
_HEADER = struct.Struct("!I")


class RenderFailed(Exception):
    """The child died, ran out of time or memory, or the function raised: this render has no result."""


def _send(fd: int, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, deadline: float | None = None):
    """One message, or None at end of file; TimeoutError past `deadline` (time.monotonic())."""
    header = _read_exact(fd, _HEADER.size, deadline)
    data = None if header is None else _read_exact(fd, _HEADER.unpack(header)[0], deadline)
    return None if data is None else pickle.loads(data)  # noqa: S301 (our own child's reply)


class _Child:
    def __init__(self):
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "comptoir.ged.render_process"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def call(self, name: str, kwargs: dict, timeout: float):
        _send(self.process.stdin.fileno(), (name, kwargs))
        return _receive(self.process.stdout.fileno(), time.monotonic() + timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


_lock = threading.Lock()
_child: _Child | None = None


def render_call(name: str, *, timeout: float = 60.0, **kwargs):
    """Run `comptoir.ged.render.<name>(**kwargs)` in the render process; RenderFailed if it gives no result."""
    global _child
    with _lock:
        for attempt in (1, 2):
            if _child is None or _child.process.poll() is not None:
                if _child is not None:
                    _child.kill()
                _child = _Child()
            try:
                reply = _child.call(name, kwargs, timeout)
            except TimeoutError:
                _child.kill()
                _child = None
                raise RenderFailed(f"{name}: more than {timeout:g} s") from None
            except (BrokenPipeError, ConnectionResetError):
                reply = None
            if reply is not None:
                break
            code = _child.process.wait()
            _child.kill()
            _child = None
            # Exit 0 is the child leaving when idle, maybe as we wrote: once more with a fresh one.
            if code != 0 or attempt == 2:
                raise RenderFailed(f"{name}: the render process stopped ({_ended(code)})")
    status, value = reply
    if status != "ok":
        raise RenderFailed(f"{name}: {value}")
    return value


def _ended(code: int) -> str:
    if code < 0:
        return signal.Signals(-code).name
    return f"code {code}"


# -- the child --------------------------------------------------------------------------------------


def _limits() -> None:
    import resource

    os.nice(NICE)
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))


def _cpu_budget() -> None:
    """This call may use CPU_SECONDS more than the child used so far (RLIMIT_CPU counts the whole life)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = int(used.ru_utime + used.ru_stime) + CPU_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def child_main() -> int:
    _limits()
    from comptoir.ged import render

    reader = sys.stdin.fileno()
    writer = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the replies
    while select.select([reader], [], [], IDLE_SECONDS)[0]:
        request = _receive(reader)
        if request is None:
            return 0
        name, kwargs = request
        _cpu_budget()
        try:
            reply = ("ok", getattr(render, name)(**kwargs))
        except MemoryError:
            reply = ("error", "MemoryError: over the render process's memory limit")
        except Exception as error:  # noqa: BLE001 (the reason travels back to the caller)
            reply = ("error", f"{type(error).__name__}: {error}")
        _send(writer, reply)
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
