"""Flask's request, with uploaded files kept in memory.

werkzeug puts a file part of a form in a temporary file once the request is over 500 KB; a file
checked on the upload page holds passwords in clear (iPass, control panel), and it must not be
written to disk. The whole request is at most ROSTERBOOK_MAX_CONTENT_LENGTH (werkzeug refuses
a larger one before reading it), so memory stays bounded.
"""
from __future__ import annotations

import io
from typing import IO

from flask import Request


class InMemoryRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return io.BytesIO()
