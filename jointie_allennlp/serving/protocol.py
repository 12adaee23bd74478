"""uvicorn's h11 protocol with a time limit on a new connection's first request line and headers."""
import asyncio
from typing import Optional

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderTimeoutH11Protocol(H11Protocol):
    """
    The h11 protocol of uvicorn, closing a connection that has not sent a whole request line and
    headers `header_timeout` seconds after it opened (uvicorn's own `timeout_keep_alive` covers
    the time between requests, the application the time to send a body).
    """

    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: Optional[asyncio.TimerHandle] = self.loop.call_later(
            self.header_timeout, self._close_without_request
        )

    def _close_without_request(self) -> None:
        self._header_timer = None
        if self.cycle is None and not self.transport.is_closing():
            self.logger.info("closed a connection that sent no request in %.1f s", self.header_timeout)
            self.transport.close()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def h11_protocol(header_timeout: float) -> type:
    """The protocol class for `uvicorn.Config(http=...)` with this header timeout."""
    return type("HeaderTimeoutH11Protocol", (HeaderTimeoutH11Protocol,), {"header_timeout": header_timeout})
