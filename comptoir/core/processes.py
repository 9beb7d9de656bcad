"""The processes `comptoir serve` supervises beside the web server and the worker.

Apps that bring a listener (the collection mailboxes, the local SMTP sink) register it at start-up,
so `serve` does not need to know about them. A listener registers the dotted path of a function that
starts it in the current process and returns something with `.stop()`: `serve` runs them all in one
`comptoir listeners` process (each an asyncio server on its own thread), instead of one Python
process with Django loaded per listener. The separate commands (`mail-in`, `smtpsink`) stay for the
scale profile.
"""

import signal
import threading

EmbeddedProcess = tuple[str, list[str]]
_processes: list[EmbeddedProcess] = []
_listeners: list[tuple[str, str]] = []


def embedded_listener_register(name: str, starter: str) -> None:
    """`starter`: "package.module.function", called without arguments in the listeners' process."""
    if all(existing != name for existing, _ in _listeners):
        _listeners.append((name, starter))


def embedded_listeners() -> list[tuple[str, str]]:
    return list(_listeners)


def embedded_processes() -> list[EmbeddedProcess]:
    return [*([("listeners", ["listeners"])] if _listeners else []), *_processes]


def server_run_until_stopped(server) -> None:
    """Keep a started loopback server (a fake partner) up until SIGTERM or Ctrl+C, then stop it."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
