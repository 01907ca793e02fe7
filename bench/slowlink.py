"""A TCP relay that holds each chunk a while before passing it on: a database "further
away" than loopback, for the benchmarks that count round trips.

``python -m bench.slowlink PORT DELAY_MS [TARGET_PORT]`` listens on 127.0.0.1:PORT and
relays to 127.0.0.1:TARGET_PORT (5432, PostgreSQL), each chunk held DELAY_MS in each
direction. asyncio's timers on Linux wait whole milliseconds (epoll), so any delay below
1 ms is rounded up: measure the round trip it gives (``select 1``) and quote that, not the
argument. Then, e.g.:

    python -m bench.slowlink 5439 0.25 &
    VMESTE_BENCH_PG=postgres://postgres@127.0.0.1:5439 python -m bench event_path

Here (2026-12-06) ``0.25`` gave a round trip of 2.8 ms, against 0.13 ms direct: a
database in another data centre. Not for tests: a bench's tool.
"""

from __future__ import annotations

import asyncio
import sys


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float):
    try:
        while data := await reader.read(65536):
            await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # one side went away: the other is closed below
    finally:
        writer.close()


async def serve(port: int, delay: float, target: int = 5432) -> None:
    async def connect(client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(
            _relay(client_reader, server_writer, delay), _relay(server_reader, client_writer, delay)
        )

    server = await asyncio.start_server(connect, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    port, delay_ms = int(sys.argv[1]), float(sys.argv[2])
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 5432
    asyncio.run(serve(port, delay_ms / 1000, target))
