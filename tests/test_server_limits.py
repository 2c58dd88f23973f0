"""Hostile connections against a real `rosterbook serve` (waitress) on a loopback port: oversized
bodies are refused before they are read, bodies stay in memory (no passwords in temporary
files), and slow or silent connections do not keep ordinary clients out."""
from __future__ import annotations

import json
import os
import re
import select
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from addin.profiles import get_profile
from server.db import engine_for
from tests.process_probe import MB, connect, open_files_under, peak_rss_mb, read_answer, request_head
from tests.server_rows import example_rows

ANSWER_WITHIN = 30  # seconds a socket waits for an answer; no answer is the failure, not slowness


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """The server's TMPDIR: waitress's spool files, if any, land here and nowhere else."""
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


@pytest.fixture
def served(serve, spool):
    return serve(TMPDIR=str(spool))


# --------------------------------------------------------------------------- row 3: oversized bodies

@pytest.mark.parametrize("path", ["/api/v1/imports", "/xlwings/submit"])
def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(served, spool, path):
    """1,000 MB announced without a token: 413 right after the headers (waitress's default would
    first buffer the whole gigabyte to a temporary file). The API answers with its JSON error body,
    the workbook's endpoints with the sentence alone (the macro shows it as it is)."""
    pid = served.process.process.pid
    before = peak_rss_mb(pid)
    with connect(served.url, ANSWER_WITHIN) as sock:
        sock.sendall(request_head("POST", path, {
            "Content-Type": "application/json", "Content-Length": str(1000 * MB)}))
        try:
            sock.sendall(b"[" * MB)  # the start of the body: the answer must not wait for the rest
        except OSError:
            pass  # refused and closed already
        status, body = read_answer(sock)
        assert status == 413
        assert "larger than this server accepts (16.0 MB)" in body and "ROSTERBOOK_MAX_CONTENT_LENGTH" in body
        if path.startswith("/api/"):
            assert json.loads(body)["error"] == "request_entity_too_large"
        else:
            assert body.startswith("The request is larger")
        assert open_files_under(pid, spool) == []
        with pytest.raises(OSError):  # the server has closed the connection: no more is read
            for _ in range(64):
                sock.sendall(b"[" * MB)
    grown = peak_rss_mb(pid) - before
    print(f"\npeak RSS of the server grew by {grown:.1f} MB for a 1,000 MB body announced")
    assert grown < 64


def test_a_chunked_body_is_cut_off_at_the_limit(served, spool):
    """No length announced: waitress counts as it reads and answers 413 once past the limit, and
    nothing of the body goes to a temporary file on the way (a file there lives only from the
    read that crosses the limit to the answer: the server's open files are watched throughout)."""
    pid = served.process.process.pid
    chunk = b"%x\r\n%s\r\n" % (MB, b" " * MB)
    sent = 0
    with FdWatcher(pid, spool, b"never read") as watched, connect(served.url, ANSWER_WITHIN) as sock:
        sock.sendall(request_head("POST", "/api/v1/imports", {
            "Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        try:
            while sent < 64 * MB and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += MB
        except OSError:
            pass  # closed by the server after its answer
        status, body = read_answer(sock)
    assert status == 413 and "larger than this server accepts" in body
    assert watched.seen == set()
    print(f"\n{sent // MB} MB sent in chunks before the server refused")
    assert sent < 64 * MB


def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not(serve, spool):
    limit = 100_000
    served = serve(TMPDIR=str(spool), ROSTERBOOK_MAX_CONTENT_LENGTH=str(limit))
    rows = example_rows("pbx", 1)
    body = json.dumps({"profile": "pbx", "rows": rows})
    body = body[:-1] + " " * (limit - len(body)) + "}"  # valid JSON of exactly `limit` bytes
    headers = {**served.headers(str(uuid.uuid4())), "Content-Type": "application/json"}
    at_limit = requests.post(served.url + "/api/v1/imports", data=body.encode(), headers=headers, timeout=60)
    assert at_limit.status_code == 201, at_limit.text
    over = requests.post(served.url + "/api/v1/imports", data=body.encode() + b" ",
                         headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    assert over.status_code == 413 and "(0.1 MB)" in over.text


# --------------------------------------------------------------------------- row 13: bodies stay in memory

def _server_has_read_everything(server_port: int, client_port: int) -> bool:
    """The server's socket of this connection has nothing left unread (rx_queue in /proc/net/tcp)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                return int(fields[4].split(":")[1], 16) == 0
    return False


def _send_all_but_the_last_byte(url: str, headers: dict[str, str], body: bytes) -> socket.socket:
    sock = connect(url, ANSWER_WITHIN)
    sock.sendall(request_head("POST", "/api/v1/imports", {**headers, "Content-Length": str(len(body))}))
    sock.sendall(body[:-1])
    server_port = int(url.rsplit(":", 1)[1])
    client_port = sock.getsockname()[1]
    for _ in range(300):  # until the server has taken every byte sent (at most 30 s)
        if _server_has_read_everything(server_port, client_port):
            return sock
        time.sleep(0.1)
    raise AssertionError("the server did not read the body")


def test_a_batch_in_flight_leaves_no_password_in_a_temporary_file(served, spool):
    """A 1.6 MB iPass batch with passwords, all but its last byte sent: the body waits in the
    server's memory, not in a spool file (waitress's default above 512 KB)."""
    header = next(c.header for c in get_profile("ipass").columns if c.secret)
    rows = example_rows("ipass", 5000)
    passwords = [f"Pw-{i}-Qz8!plain" for i in range(len(rows))]
    for row, password in zip(rows, passwords):
        row[header] = password
    body = json.dumps({"profile": "ipass", "rows": rows}).encode()
    assert len(body) > 1.5 * MB
    headers = {**served.headers(str(uuid.uuid4())), "Content-Type": "application/json"}
    pid = served.process.process.pid
    with _send_all_but_the_last_byte(served.url, headers, body) as sock:
        spooled = open_files_under(pid, spool)
        leaked = [fd for fd in spooled if passwords[0].encode() in Path(fd).read_bytes()]
        assert leaked == [], "passwords in clear in a temporary file"
        assert spooled == []
        sock.sendall(body[-1:])
        status, answer = read_answer(sock)
    assert status == 201, answer
    assert json.loads(answer)["accepted"] == len(rows)


def test_bodies_in_memory_cost_about_their_size(served, spool):
    """Eight bodies of 15 MB in flight at once: the server's peak memory grows by about their size."""
    pid = served.process.process.pid
    before = peak_rss_mb(pid)
    headers = {**served.headers(), "Content-Type": "application/json"}
    body = b'{"profile": "pbx", "rows": [' + b" " * (15 * MB) + b"]}"
    sockets = []
    try:
        for _ in range(8):
            sockets.append(_send_all_but_the_last_byte(served.url, {**headers, "Idempotency-Key": str(uuid.uuid4())},
                                                       body))
        assert open_files_under(pid, spool) == []
        grown = peak_rss_mb(pid) - before
    finally:
        for sock in sockets:
            sock.close()
    print(f"\npeak RSS of the server grew by {grown:.0f} MB with 8 x 15 MB bodies in flight")
    assert 8 * 15 * 0.8 < grown < 8 * 15 * 3 + 200
    assert requests.get(served.url + "/api/v1/profiles", headers=served.headers(), timeout=30).status_code == 200


# --------------------------------------------------------------------------- row 4: slow and silent clients

class Dribblers:
    """COUNT connections that send a request's headers one byte a second and never finish them."""

    def __init__(self, url: str, count: int, seconds: float = 120):
        self.sockets = [connect(url, 10) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.stop = threading.Event()
        self.seconds = seconds
        self.thread = threading.Thread(target=self._dribble, daemon=True)

    def _dribble(self) -> None:
        deadline = time.monotonic() + self.seconds  # bounded, whatever happens to the test
        while not self.stop.wait(1.0) and time.monotonic() < deadline:
            for sock in self.sockets:
                try:
                    sock.send(b"X")
                except OSError:
                    pass

    def __enter__(self) -> Dribblers:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def test_slow_header_connections_do_not_keep_ordinary_clients_out(served):
    """101 connections dribbling headers filled waitress's default limit of 100 connections."""
    with Dribblers(served.url, 101):
        time.sleep(2)  # the dribblers are in and active
        answers = [requests.get(served.url + "/api/v1/profiles", headers=served.headers(), timeout=10).status_code
                   for _ in range(5)]
    assert answers == [200] * 5


def test_a_connection_that_falls_silent_is_closed_after_the_channel_timeout(serve):
    served = serve(ROSTERBOOK_CHANNEL_TIMEOUT="2", ROSTERBOOK_CONNECTION_LIMIT="10")
    silent = [connect(served.url, ANSWER_WITHIN) for _ in range(12)]  # more than the limit allows
    try:
        for sock in silent:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 1")  # and then nothing
        # An ordinary client waits only until the silent ones are dropped.
        answer = requests.get(served.url + "/api/v1/profiles", headers=served.headers(), timeout=ANSWER_WITHIN)
        assert answer.status_code == 200
        for sock in silent[:5]:
            assert sock.recv(1024) == b""  # closed by the server, not by a timeout here
    finally:
        for sock in silent:
            sock.close()


class FdWatcher:
    """Looks at the server's open files every few milliseconds while a request runs."""

    def __init__(self, pid: int, folder: Path, secret: bytes):
        self.pid, self.folder, self.secret = pid, folder, secret
        self.seen: set[str] = set()
        self.leaked = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        deadline = time.monotonic() + 300  # bounded, whatever happens to the test
        while not self.stop.is_set() and time.monotonic() < deadline:
            for fd in open_files_under(self.pid, self.folder):
                self.seen.add(os.readlink(fd))
                try:
                    self.leaked |= self.secret in Path(fd).read_bytes()
                except OSError:  # closed meanwhile
                    pass
            time.sleep(0.005)

    def __enter__(self) -> FdWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def test_an_uploaded_file_with_passwords_stays_in_memory(serve, spool, tmp_path):
    """The upload page: a 2 MB control panel CSV with passwords; werkzeug's default puts a file part
    over 500 KB in a temporary file while the request runs."""
    from tests.plugin_server import make_app
    from tests.web_client import ADMIN, PASSWORD, create_admin

    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    app = make_app(url, instance)
    create_admin(app)
    engine_for(app).dispose()
    served = serve(database_url=url, instance=instance, token="unused", TMPDIR=str(spool))
    browser = requests.Session()
    token = lambda page: re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # noqa: E731
    signed = browser.post(served.url + "/sign-in", timeout=60, data={
        "csrf_token": token(browser.get(served.url + "/sign-in", timeout=60).text), "username": ADMIN,
        "password": PASSWORD})
    assert signed.status_code == 200 and "Signed in as" in signed.text
    lines = [f"user{i},Pw-{i}-Qz8!plain,,,,,,,,,TRUE" for i in range(60_000)]
    content = ("\r\n".join(lines) + "\r\n").encode()
    assert len(content) > 2 * MB
    with FdWatcher(served.process.process.pid, spool, b"Pw-1-Qz8!plain") as watcher:
        answer = browser.post(served.url + "/upload", timeout=300,
                              data={"csrf_token": token(browser.get(served.url + "/upload", timeout=60).text),
                                    "profile": "controlpanel"},
                              files={"file": ("users.csv", content, "text/csv")})
    # 60,000 lines: over the server's batch limit (422) or its reading limit (400, the batch limit + 1)
    assert answer.status_code in (200, 400, 422), answer.text[:500]
    assert not watcher.leaked, "passwords in clear in a temporary file"
    assert watcher.seen == set()


def test_the_server_reads_the_file_limits_as_the_command_line_does(app, runner, monkeypatch, tmp_path):
    """One reading of ROSTERBOOK_MAX_FILE_*: the spellings `rosterbook validate` takes, and its sentence."""
    from addin.files.limits import ReadLimits
    from tests.plugin_server import make_app

    monkeypatch.setenv("ROSTERBOOK_MAX_FILE_MB", "lots")
    bad = runner.invoke(["token", "list"])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert "ROSTERBOOK_MAX_FILE_MB must be a positive whole number, not 'lots'" in bad.stderr
    monkeypatch.setenv("ROSTERBOOK_MAX_FILE_MB", "1_000")
    monkeypatch.setenv("ROSTERBOOK_MAX_FILE_ROWS", "20,000")
    limits = make_app(None, tmp_path / "other").config["READ_LIMITS"]
    assert limits == ReadLimits.from_env() == ReadLimits(rows=20_000, unpacked_bytes=1000 * 1024 * 1024)
