"""Starting the real processes: `comptoir web`, `comptoir worker`, `comptoir mail-in`, the SMTP sink."""

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Proc, Stage, free_port, port_open, wait_until

BOOT_TIMEOUT = 60


def command_exists(name: str) -> bool:
    """Whether `comptoir <name>` is a management command in the tree right now."""
    from django.core.management import get_commands

    return name in get_commands()


@dataclass
class Sink:
    """The partner's SMTP server (aiosmtpd, own process); `arrivals()` reads what it received."""

    proc: Proc
    port: int
    log: Path
    _offset: int = 0
    _seen: list[tuple[float, str, int]] = field(default_factory=list)

    def arrivals(self) -> list[tuple[float, str, int]]:
        """(time.time() on arrival, X-Comptoir-Delivery-Id or '-', size) of every message so far."""
        with self.log.open("rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode().splitlines():
            stamp, delivery_id, size = line.split()
            self._seen.append((float(stamp), delivery_id, int(size)))
        return self._seen

    def by_delivery(self) -> dict[str, float]:
        return {delivery_id: stamp for stamp, delivery_id, _ in self.arrivals()}

    def wait_for(self, delivery_ids, *, timeout: float, senders: list[Proc]) -> dict[str, float]:
        """Arrival times of these deliveries, once all arrived; fails early if a sender died."""
        wanted = {str(pk) for pk in delivery_ids}

        def arrived():
            for proc in [self.proc, *senders]:
                proc.check_alive()
            seen = self.by_delivery()
            return wanted <= seen.keys() and seen

        seen = wait_until(arrived, timeout=timeout, what=f"{len(wanted)} messages at the SMTP server", interval=0.05)
        return {pk: seen[pk] for pk in wanted}


def sink_start(stage: Stage, *, mode: str = "log") -> Sink:
    tag = uuid.uuid4().hex[:6]
    port_file = stage.tmp / f"sink-{tag}.port"
    out = stage.tmp / (f"sink-{tag}.log" if mode == "log" else f"sink-{tag}-mails")
    if mode == "log":
        out.touch()
    proc = stage.start(f"sink-{mode}-{tag}", ["--mode", mode, "--out", str(out), "--port-file", str(port_file)],
                       python_module="bench.sink")
    wait_until(lambda: port_file.exists() or proc.check_alive(), timeout=BOOT_TIMEOUT, what="the SMTP sink")
    return Sink(proc=proc, port=int(port_file.read_text()), log=out)


def web_start(stage: Stage, *, workers: int = 2, threads: int = 8, email_port: int | None = None) -> tuple[Proc, str]:
    port = free_port()
    extra = {"EMAIL_URL": f"smtp://127.0.0.1:{email_port}"} if email_port else {}
    proc = stage.start(f"web-{port}", ["web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                                       "--threads", str(threads), "--no-collectstatic"], extra_env=extra)
    wait_until(lambda: port_open(port) or proc.check_alive(), timeout=BOOT_TIMEOUT, what="comptoir web")
    return proc, f"http://127.0.0.1:{port}"


def workers_start(stage: Stage, *, count: int, email_port: int, concurrency: int = 1) -> list[Proc]:
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{email_port}"}
    argv = ["worker", *(["--concurrency", str(concurrency)] if concurrency > 1 else [])]
    return [stage.start(f"worker-{uuid.uuid4().hex[:6]}", argv, extra_env=env) for _ in range(count)]


def mail_in_start(stage: Stage, *, extra_env: dict[str, str] | None = None) -> tuple[Proc, int]:
    port = free_port()
    proc = stage.start(f"mail-in-{port}", ["mail-in", "--host", "127.0.0.1", "--port", str(port)],
                       extra_env=extra_env)
    wait_until(lambda: port_open(port) or proc.check_alive(), timeout=BOOT_TIMEOUT, what="comptoir mail-in")
    return proc, port
