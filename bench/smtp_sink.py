"""An SMTP sink on loopback for the pledges benchmark: accepts every message, keeps only a count.

    smtp_sink.py <port file> <count file>

Listens on a free port of 127.0.0.1 (written to <port file> once it is listening) and writes the
number of messages accepted so far to <count file> every 20 ms. It runs until SIGTERM or SIGINT.
One asyncio process, like the sinks in tests/realparts.py.
"""

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP


class CountingHandler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 2.0.0 OK"


async def main(port_file: Path, count_file: Path) -> None:
    handler = CountingHandler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="bench-sink", ident="bench sink"), "127.0.0.1", 0
    )
    port_file.write_text(str(server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    written = -1
    partial = count_file.with_name(count_file.name + ".partial")
    while not stop.is_set():
        if handler.count != written:
            written = handler.count
            # Replaced whole, so a reader never sees a half-written number.
            partial.write_text(str(written))
            partial.replace(count_file)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.02)
    server.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
