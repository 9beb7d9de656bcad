"""The processes `comptoir serve` supervises beside the web server and the worker.

Apps that bring a listener (the collection mailboxes, the local SMTP sink) register it at start-up,
so `serve` does not need to know about them.
"""

EmbeddedProcess = tuple[str, list[str]]
_processes: list[EmbeddedProcess] = []


def embedded_process_register(name: str, argv: list[str]) -> None:
    """`argv` is what follows `comptoir` on the command line, e.g. ["mail-in", "--port", "2525"]."""
    if all(existing != name for existing, _ in _processes):
        _processes.append((name, argv))


def embedded_processes() -> list[EmbeddedProcess]:
    return list(_processes)
