"""Listening on a port with tornado, with an error an operator can act on when the port is taken."""

from __future__ import annotations

from tornado.httpserver import HTTPServer
from tornado.web import Application


class PortUnavailable(OSError):
    """The port cannot be listened on; the message names the address and the setting that chose it."""


def listen(application: Application, port: int, host: str, what: str, advice: str) -> HTTPServer:
    """`application.listen`; a port already in use (another quotebot, say) gives `advice`: which setting to change."""
    try:
        return application.listen(port, address=host)
    except OSError as error:
        reason = error.strerror or str(error)
        raise PortUnavailable(f"cannot listen on {host}:{port} for {what} ({reason}); {advice}") from None
