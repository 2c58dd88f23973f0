"""Local-mode Submit: POST the rows to the import API over HTTP.

The token comes from the admin's environment (ROSTERBOOK_TOKEN) or their own xlwings user
configuration (~/.xlwings/xlwings.conf, key ROSTERBOOK_TOKEN), never from the workbook. Every
failure becomes ImportFailed with a message that says what to do.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests

from .submission import ImportFailed, idempotency_key

TOKEN_VARIABLE = "ROSTERBOOK_TOKEN"
IMPORTS_PATH = "/api/v1/imports"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 300.0  # 10,000 rows are re-validated and stored before the answer comes


def find_token() -> str | None:
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        return token
    from xlwings.utils import read_user_config  # the admin's own xlwings.conf, keys lower-cased

    return (read_user_config().get(TOKEN_VARIABLE.lower()) or "").strip() or None


MISSING_TOKEN = (
    "rosterbook needs your import token to send rows to the server. Ask whoever runs the rosterbook "
    "server for one, then either set the environment variable ROSTERBOOK_TOKEN to it, or add the line "
    '"ROSTERBOOK_TOKEN","your token" to your own xlwings.conf file (Windows: %USERPROFILE%\\.xlwings\\xlwings.conf; '
    "Mac: ~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf). Never type the token into the workbook.")


class HttpSender:
    """Sends one batch to POST /api/v1/imports and returns the 201 answer."""

    def __init__(self, server_url: str, token: str | None,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)):
        self.server_url = (server_url or "").strip().rstrip("/")
        self.token = token
        self.timeout = timeout

    def __call__(self, body: dict[str, Any]) -> Mapping[str, Any]:
        if not self.server_url.startswith(("http://", "https://")):
            raise ImportFailed(
                f"The import server address '{self.server_url}' is not a web address. Unhide the xlwings.conf "
                "sheet (right-click a sheet tab > Unhide), enter it next to rosterbook.server_url (for example "
                "http://127.0.0.1:5000), hide the sheet again and retry.")
        if not self.token:
            raise ImportFailed(MISSING_TOKEN)
        url = self.server_url + IMPORTS_PATH
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": idempotency_key(self.token, body)}
        try:
            response = requests.post(url, json=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise ImportFailed(
                f"The import server at {self.server_url} did not answer within {self.timeout[1]:g} seconds. "
                "It may still be storing the rows: press Submit again in a minute; rows it already imported "
                "are recognised and not imported twice.") from None
        except requests.RequestException:
            raise ImportFailed(
                f"The import server at {self.server_url} cannot be reached. Check that it is running "
                "(rosterbook serve) and that rosterbook.server_url on the xlwings.conf sheet is its address, "
                "then press Submit again.") from None
        return _answer(response, self.server_url)


def _answer(response: requests.Response, server_url: str) -> Mapping[str, Any]:
    status = response.status_code
    message = _server_message(response)
    if status == 201:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("rows"), list):
            return answer
        raise ImportFailed(f"The server at {server_url} answered, but not as a rosterbook import server does. "
                           "Check rosterbook.server_url on the xlwings.conf sheet.")
    if status == 401:
        raise ImportFailed(
            "The import server did not accept your token. Check the ROSTERBOOK_TOKEN you set (environment "
            "variable or your xlwings.conf file) against the token you were given; ask for a new one if it "
            "was revoked.")
    if status == 413:
        raise ImportFailed("The rows are more than the import server accepts in one go. Move part of them to "
                           "another workbook and submit each.")
    if 400 <= status < 500:
        raise ImportFailed(f"The import server turned the rows away (HTTP {status}): {message or response.reason}")
    raise ImportFailed(
        f"The import server had a problem (HTTP {status}){': ' + message if message else ''}. "
        "Press Submit again in a moment; if it keeps failing, tell whoever runs the server.")


def _server_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = str(body.get("message") or "")
    details = [d.get("message") for d in body.get("details") or [] if isinstance(d, dict) and d.get("message")
               and str(d.get("message")) not in message]
    if details:
        message += " (" + "; ".join(str(d) for d in details[:5]) + ")"
    return message
