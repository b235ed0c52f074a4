"""A TCP proxy on a loopback port that can cut or freeze the link to a server (fault tests).

`cut()` is an outage: open connections are closed and new ones refused (nothing listens).
`freeze()` is a stall: connections are accepted and bytes read, but nothing is forwarded
either way until `resume()`, as when packets are dropped on the way.
"""

from __future__ import annotations

import asyncio
import contextlib


class FaultyLink:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen (on a free port the first time, the same one after a cut); the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def cut(self) -> None:
        """Outage: close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._drop_connections()

    def freeze(self) -> None:
        """Stall: keep accepting and reading, forward nothing."""
        self._flowing.clear()

    async def resume(self) -> None:
        """End a cut or a freeze; bytes held back by a freeze flow on."""
        self._flowing.set()
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        self._flowing.set()
        await self.cut()

    async def _drop_connections(self) -> None:
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _serve(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server = await asyncio.open_connection(*self.target)
        except OSError:
            client.close()
            return
        for reader, writer in ((client_reader, server), (server_reader, client)):
            pump = asyncio.create_task(self._pump(reader, writer, (client, server)))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        both: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for end in both:  # one side gone: the whole link goes
                with contextlib.suppress(Exception):
                    end.close()
