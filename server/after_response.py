"""Freeing a request's big objects after its answer is on its way, not before.

An import of 10,000 rows holds hundreds of thousands of objects: the parsed body, the judged
rows, the answer's rows. Freed when the view returns, they cost the client 10-15 ms of waiting
for deallocation that has nothing to do with its answer. Handed here, they are kept until the
response is closed (waitress has the answer's bytes to send by then) and freed at that point.
Outside a request (the CLI, tests calling the import service directly) nothing is kept.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_request_context

_KEPT = "_release_after_response"


def init_app(app: Flask) -> None:
    app.after_request(_hand_to_response)


def release_after_response(*objects: Any) -> None:
    """Keep OBJECTS alive until the current request's response has been sent."""
    if has_request_context():
        g.setdefault(_KEPT, []).extend(objects)


def _hand_to_response(response: Response) -> Response:
    kept = g.pop(_KEPT, None)
    if kept:
        # the request's context, g with it, ends before the response is sent: the list moves to
        # the response, whose close() runs once the server has sent its body
        response.call_on_close(kept.clear)
    return response
