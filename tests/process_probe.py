"""What a running server process holds, read from /proc: its peak memory and the temporary files
it has open (waitress spools request bodies to unlinked files), and raw HTTP over a socket for
requests no HTTP client library will send (slow, partial, oversized)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

MB = 1024 * 1024


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def open_files_under(pid: int, folder: Path) -> list[Path]:
    """The /proc fd links of regular files the process has open inside FOLDER (unlinked ones too)."""
    found = []
    prefix = str(folder.resolve())
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith(prefix):
            found.append(fd)
    return found


def connect(url: str, timeout: float = 30) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    return sock


def read_answer(sock: socket.socket) -> tuple[int, str]:
    """Status and body of the answer on SOCK, read until the server closes or the body is complete."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                break
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1]), body.decode("utf-8", "replace")


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
