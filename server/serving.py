"""`rosterbook serve`: waitress with limits chosen for this server, each from a setting.

- A request body larger than ROSTERBOOK_MAX_CONTENT_LENGTH is refused by waitress as soon as its
  headers say so (or, sent in chunks, as soon as it passes the limit): nothing larger is read.
  waitress's own default would first buffer up to 1 GB.
- Bodies (and answers) up to that size stay in memory, never in a temporary file: an iPass or
  control panel batch holds passwords in clear, and waitress's default spools anything over
  512 KB to an unlinked file in /tmp. So does a chunked body over the limit, refused on the way:
  the buffer holds the limit and one more read. The cost is memory: at most
  ROSTERBOOK_CONNECTION_LIMIT times that for bodies in flight.
- ROSTERBOOK_CONNECTION_LIMIT connections at once (waitress: 100, which 101 slow clients fill,
  leaving everyone else waiting); a connection that sends or reads nothing for
  ROSTERBOOK_CHANNEL_TIMEOUT seconds is closed (waitress: 120, checked every 30).
- --threads worker threads (4: validation holds the GIL, so more threads only queue).
Facing a network, a reverse proxy in front does what waitress cannot: it reads each request in
full before passing it on, so slow clients never hold one of these connections (README).
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server
from waitress.utilities import RequestEntityTooLarge

from .errors import API_PREFIX
from .schemas import ErrorBody

RECV_BYTES = 256 * 1024  # read request bodies in large pieces: a 10,000-row batch is about 3 MB (waitress: 8 KB)
MEGABYTE = 1024 * 1024


def too_large_message(limit: int) -> str:
    return (f"The request is larger than this server accepts ({limit / MEGABYTE:.1f} MB): nothing was read or "
            "stored. Send fewer rows at once (or, from a workbook, delete the empty rows and columns below and "
            "right of the data), or ask whoever runs the server to raise ROSTERBOOK_MAX_CONTENT_LENGTH.")


class _Parser(HTTPRequestParser):
    """waitress's parser, with a sentence for people instead of 'exceeds max_body of N'.

    waitress has no setting for that text: the parser and channel classes are its internals
    (parser_class, channel_class, unchanged since waitress 1); tests/test_server_limits.py reads
    the answer a client gets, so a waitress that changes them fails there, not in production.
    """

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if type(self.error) is RequestEntityTooLarge:  # waitress's own: replaced once
            self.error = _TooLarge(too_large_message(self.adj.max_request_body_size - 1), self.path or "")
        return consumed


class _TooLarge(RequestEntityTooLarge):
    """The 413 waitress sends: the API's JSON error body on the API, the sentence alone elsewhere
    (the workbook's macro shows an answer's text as it is)."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path

    def to_response(self, ident=None):
        status = f"{self.code} {self.reason}"
        if self.path.startswith(API_PREFIX):
            body = ErrorBody(error="request_entity_too_large", message=self.body).model_dump_json()
            return status, [("Content-Type", "application/json")], body.encode("utf-8")
        return status, [("Content-Type", "text/plain; charset=utf-8")], self.body.encode("utf-8")


class _Channel(HTTPChannel):
    parser_class = _Parser


def waitress_options(config: dict[str, Any], threads: int) -> dict[str, Any]:
    """waitress's adjustments from the app's settings (see the module's docstring for why each)."""
    body_limit = config["MAX_CONTENT_LENGTH"]
    channel_timeout = config["CHANNEL_TIMEOUT"]
    return {
        "threads": threads,
        # waitress refuses a body of exactly max_request_body_size; Flask accepts MAX_CONTENT_LENGTH
        "max_request_body_size": body_limit + 1,
        # A chunked body is counted after each read has gone into the buffer: the read that takes it
        # past the limit (at most RECV_BYTES) must not tip the buffer into a temporary file first
        "inbuf_overflow": body_limit + 1 + RECV_BYTES,
        "outbuf_overflow": body_limit + 1,
        "connection_limit": config["CONNECTION_LIMIT"],
        "channel_timeout": channel_timeout,
        "cleanup_interval": max(1, min(30, channel_timeout // 3)),
        "asyncore_use_poll": True,  # select() stops at 1,024 open sockets
        "recv_bytes": RECV_BYTES,
        # X-Forwarded-* headers reach the app only when proxies are trusted (ProxyFix reads them)
        "clear_untrusted_proxy_headers": not config["TRUSTED_PROXIES"],
        "ident": "rosterbook",
    }


def make_server(app: Flask, host: str, port: int, threads: int):
    """The listening server for the app (run it with .run()); OSError when it cannot listen."""
    sockets: dict[int, Any] = {}
    server = create_server(app, map=sockets, host=host, port=port, **waitress_options(app.config, threads))
    for listener in list(sockets.values()):  # one per address the host name resolves to
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _Channel
    return server
