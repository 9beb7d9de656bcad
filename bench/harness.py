"""The stage the benchmarks run on: a temporary data dir, Django in-process, real child processes.

Everything listens on loopback, on ports the OS picked. Every process started here is stopped by
its own id (its process group, created for it), never by name.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PDF_TAIL = b"\n%%EOF\n"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.02):
    """Poll `condition` until it is truthy; raise TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pdf_bytes(size: int, tag: str) -> bytes:
    """A PDF-looking file of exactly `size` bytes, unique per `tag` (so no deduplication kicks in)."""
    head = PDF_HEAD + f"% {tag}\n".encode()
    filler = size - len(head) - len(PDF_TAIL)
    pattern = (tag.encode() + b" ") * 64
    body = (pattern * (filler // len(pattern) + 1))[:max(filler, 0)]
    return head + body + PDF_TAIL


def pdf_text_page(tag: str) -> bytes:
    """A real one-page PDF with a text layer (Helvetica), unique per `tag`: what an invoice tool writes."""
    text = f"Facture {tag} - Boulangerie Banc - 1 200,00 EUR".replace("(", "").replace(")", "")
    content = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
               b" /Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)]
    out = bytearray(PDF_HEAD)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_scanned(pages: int, tag: str) -> bytes:
    """A scanner's PDF: `pages` A4 pages at 200 dpi, each one image with a few lines, no text layer."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=40)
    images = []
    for number in range(pages):
        image = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(image)
        for line in range(12):
            draw.text((150, 200 + line * 150), f"Releve {tag} page {number + 1} ligne {line + 1} : 1 234,56 EUR",
                      fill=0, font=font)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def pdf_stream(size: int, tag: str, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """The same kind of PDF, `size` bytes long, produced chunk by chunk (never whole in memory)."""
    head = PDF_HEAD + f"% {tag}\n".encode()
    yield head
    remaining = size - len(head) - len(PDF_TAIL)
    block = b"0123456789abcdef" * (chunk // 16)
    while remaining > 0:
        piece = block[:min(chunk, remaining)]
        remaining -= len(piece)
        yield piece
    yield PDF_TAIL


class StreamFile:
    """A read()-able file over a byte generator, for feeding big files to services without a copy."""

    def __init__(self, chunks: Iterator[bytes], name: str):
        self._chunks = chunks
        self._buffer = b""
        self.name = name

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._buffer + b"".join(self._chunks)
        while len(self._buffer) < size:
            piece = next(self._chunks, b"")
            if not piece:
                break
            self._buffer += piece
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


# --- /proc ------------------------------------------------------------------------------------

def proc_status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def rss_mb(pid: int) -> float | None:
    kb = proc_status_kb(pid, "VmRSS")
    return kb / 1024 if kb is not None else None


def hwm_mb(pid: int) -> float | None:
    kb = proc_status_kb(pid, "VmHWM")
    return kb / 1024 if kb is not None else None


def hwm_reset(pid: int) -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0): peaks then start from now."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (all their threads)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children_of(current)
    return tree


# --- child processes --------------------------------------------------------------------------

class Proc:
    """A child process in its own process group, its output in a log file of the run."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited with code {self.popen.returncode}:\n{self.log_tail()}")

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        else:
            # The leader is gone; make sure nothing it started is left behind in its group.
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()


class Stage:
    """One benchmark run's world: data dir, environment, Django set up, and the processes started."""

    def __init__(self, *, profile: str, keep: bool = False):
        self.profile = profile
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix=f"comptoir-bench-{profile}-"))
        self.data_dir = self.tmp / "data"
        self.log_dir = self.tmp / "logs"
        self.data_dir.mkdir()
        self.log_dir.mkdir()
        self.procs: list[Proc] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "COMPTOIR_DATA_DIR": str(self.data_dir),
            "LOG_LEVEL": "WARNING",
            "COMPTOIR_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self._bench_database: tuple[str, str] | None = None  # (server URL, database name) to drop at the end
        if profile == "sqlite":
            self.env.pop("DATABASE_URL", None)
        else:
            self.env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-" + "x" * 20)
            self.env["DATABASE_URL"] = self._postgres_database_create(self.env["DATABASE_URL"])
        # Documents on local files: the benchmarks measure Comptoir and its database, not an S3 endpoint.
        self.env.pop("COMPTOIR_S3_BUCKET", None)

    def _postgres_database_create(self, url: str) -> str:
        """A throw-away database on the server DATABASE_URL points at, so the benchmark never writes
        into the one it was given; that one itself when we may not create databases."""
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        name = f"comptoir_bench_{os.getpid()}_{int(time.time())}"
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            print(f"bench: cannot create a database ({exc}); using DATABASE_URL's own", file=sys.stderr)
            return url
        parts = urlsplit(url)
        self._bench_database = (url, name)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _postgres_database_drop(self, url: str, name: str) -> None:
        import psycopg

        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 (Django may never have been set up)
            pass
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error as exc:
            print(f"bench: could not drop database {name}: {exc}", file=sys.stderr)

    # --- Django in this process ----------------------------------------------------------------

    def django_setup(self) -> None:
        # This process must see what the child processes see (same database, same file storage).
        for key in ("DATABASE_URL", "COMPTOIR_S3_BUCKET"):
            os.environ.pop(key, None)
        os.environ.update({k: v for k, v in self.env.items() if k != "EMAIL_URL"})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        # Hashed static files and their manifest, once for every `comptoir web` this stage starts.
        subprocess.run([sys.executable, "-m", "comptoir", "collectstatic", "--noinput", "--verbosity", "0"],
                       env=self.env, check=True, timeout=300)

    # --- processes ------------------------------------------------------------------------------

    def start(self, name: str, argv: list[str], *, extra_env: dict[str, str] | None = None,
              python_module: str = "comptoir") -> Proc:
        proc = Proc(name, [sys.executable, "-m", python_module, *argv], env={**self.env, **(extra_env or {})},
                    log_dir=self.log_dir)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        if proc in self.procs:
            self.procs.remove(proc)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
        if self._bench_database:
            self._postgres_database_drop(*self._bench_database)
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
