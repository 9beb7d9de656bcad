"""A plain aiosmtpd server on loopback, run as its own process: `python -m bench.sink`.

`--mode log`: the partner's server — notes when each message arrived and its X-Comptoir-Delivery-Id.
`--mode disk`: the mail-in floor — writes each message to a file, as the simplest listener would.
The port it bound (0: the OS picks) is written to `--port-file` once it accepts connections.
"""

import argparse
import asyncio
import re
import socket
import time
import uuid
from pathlib import Path

from aiosmtpd.smtp import SMTP

DELIVERY_ID = re.compile(rb"^X-Comptoir-Delivery-Id:\s*(\d+)", re.IGNORECASE | re.MULTILINE)


class LogHandler:
    def __init__(self, log_path: Path):
        self.log = log_path.open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        head = raw[: raw.find(b"\r\n\r\n") if b"\r\n\r\n" in raw[:65536] else 65536]
        match = DELIVERY_ID.search(head)
        self.log.write(f"{time.time():.6f} {match.group(1).decode() if match else '-'} {len(raw)}\n")
        return "250 OK"


class DiskHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        (self.directory / f"{uuid.uuid4().hex}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


class _Server(SMTP):
    def connection_made(self, transport) -> None:
        # aiosmtpd writes a multi-line reply (EHLO) line by line; with Nagle's algorithm each line then
        # waits for the client's delayed ACK (~40 ms). A real MTA answers in one write: so do we.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


async def serve(handler, port_file: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Server(handler, hostname="127.0.0.1", data_size_limit=None, enable_SMTPUTF8=True), sock=sock
    )
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(sock.getsockname()[1]))
    tmp.rename(port_file)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["log", "disk"], default="log")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    handler = LogHandler(args.out) if args.mode == "log" else DiskHandler(args.out)
    asyncio.run(serve(handler, args.port_file))


if __name__ == "__main__":
    main()
