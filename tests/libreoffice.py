"""LibreOffice as an independent reader of the workbooks we build.

Starts a headless soffice with a throw-away profile, talks to it over UNO
(python3-uno from Debian: the test interpreter must be a venv made with
`--system-site-packages`), and always shuts it down again.

    with libreoffice_session() as lo:
        with lo.document("book.xlsm") as doc:
            sources = lo.modules(doc)        # {module name: code}

In tests, use the session-scoped `libreoffice` fixture from
tests/conftest_libreoffice.py instead of starting one yourself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CONNECT_TIMEOUT = 90.0  # a fresh profile on a slow CI machine takes a while
SHUTDOWN_TIMEOUT = 15.0

# Lines LibreOffice puts in front of an imported VBA module's code.
_LIBREOFFICE_HEADER_LINE = re.compile(r"^(Rem Attribute VBA_ModuleType=\w+|Option VBASupport 1|Option ClassModule)$")


class LibreOfficeUnavailable(RuntimeError):
    """soffice or the uno module is missing, or soffice would not start."""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def without_attributes(source: str) -> str:
    """VBA source as LibreOffice gives it back: LF line ends, no Attribute lines."""
    lines = source.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute "))


class LibreOffice:
    """One headless soffice process and a UNO connection to it."""

    def __init__(self, soffice: str | None = None, connect_timeout: float = CONNECT_TIMEOUT):
        self.soffice = soffice or find_soffice()
        self.connect_timeout = connect_timeout
        self.process: subprocess.Popen | None = None
        self.work_dir: str | None = None  # the throw-away profile and soffice's stderr
        self.context: Any = None
        self.desktop: Any = None
        self._uno: Any = None

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> LibreOffice:
        self._uno = _import_uno()
        if not self.soffice:
            raise LibreOfficeUnavailable("soffice not found (Debian: apt-get install libreoffice-calc-nogui)")
        port = _free_port()
        self.work_dir = tempfile.mkdtemp(prefix="libreoffice-")
        profile = Path(self.work_dir) / "profile"
        self._stderr_log = Path(self.work_dir) / "soffice-stderr.log"
        # A file, not a pipe: nobody drains a pipe, and a full one would block soffice.
        with self._stderr_log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    self.soffice,
                    "--headless",
                    "--invisible",
                    "--norestore",
                    "--nologo",
                    f"-env:UserInstallation={profile.as_uri()}",
                    f"--accept=socket,host=127.0.0.1,port={port};urp;",
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                # Own process group: soffice is a wrapper script whose children
                # (oosplash, soffice.bin) must go down with it.
                start_new_session=True,
            )
        self.context = self._connect(port)
        self.desktop = self.context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", self.context)
        return self

    def _connect(self, port: int) -> Any:
        local = self._uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                return resolver.resolve(url)
            except Exception as error:  # NoConnectException until soffice listens
                if self.process.poll() is not None:
                    stderr = self._stderr_log.read_text(errors="replace")
                    raise LibreOfficeUnavailable(f"soffice exited with {self.process.returncode}: {stderr}") from error
                if time.monotonic() > deadline:
                    raise LibreOfficeUnavailable(f"no UNO connection after {self.connect_timeout}s") from error
                time.sleep(0.2)

    def shutdown(self) -> None:
        """Ask soffice to quit, then terminate and kill its process group if it will not."""
        try:
            if self.desktop is not None:
                self.desktop.terminate()
        except Exception:
            pass  # the bridge drops as soffice exits; nothing left to do
        finally:
            self.desktop = self.context = None
            self._stop_process()
            if self.work_dir:
                shutil.rmtree(self.work_dir, ignore_errors=True)
                self.work_dir = None

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)
        finally:
            # Leftover children (soffice.bin) of our own process group, if any.
            _signal_group(process, signal.SIGKILL)

    # --- documents ---------------------------------------------------------

    def open(self, path: str | os.PathLike) -> Any:
        """Load a document hidden, with macros allowed to load (not run)."""
        url = self._uno.systemPathToFileUrl(str(Path(path).resolve()))
        properties = (self._property("Hidden", True), self._property("MacroExecutionMode", 4))
        doc = self.desktop.loadComponentFromURL(url, "_blank", 0, properties)
        if doc is None:
            raise RuntimeError(f"LibreOffice could not load {path}")
        return doc

    def close(self, doc: Any) -> None:
        doc.close(True)

    @contextmanager
    def document(self, path: str | os.PathLike) -> Iterator[Any]:
        doc = self.open(path)
        try:
            yield doc
        finally:
            self.close(doc)

    def modules(self, doc: Any, library: str = "VBAProject") -> dict[str, str]:
        """Each Basic module's code with what LibreOffice adds taken away.

        LibreOffice drops the Attribute lines, puts 'Rem Attribute
        VBA_ModuleType=...', 'Option VBASupport 1' (and for classes 'Option
        ClassModule') in front, and ends the code with one more line break.
        What is left compares to `without_attributes(source)`.
        """
        libraries = doc.BasicLibraries
        if not libraries.hasByName(library):
            return {}
        libraries.loadLibrary(library)
        basic = libraries.getByName(library)
        return {name: _strip_libreoffice_lines(basic.getByName(name)) for name in basic.ElementNames}

    def _property(self, name: str, value: Any) -> Any:
        prop = self._uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name, prop.Value = name, value
        return prop


@contextmanager
def libreoffice_session(soffice: str | None = None) -> Iterator[LibreOffice]:
    """A started LibreOffice that is shut down however the block ends."""
    office = LibreOffice(soffice)
    try:
        yield office.start()
    finally:
        office.shutdown()


def _strip_libreoffice_lines(code: str) -> str:
    lines = code.replace("\r\n", "\n").split("\n")
    while lines and _LIBREOFFICE_HEADER_LINE.match(lines[0]):
        lines.pop(0)
    text = "\n".join(lines)
    return text.removesuffix("\n")


def _import_uno() -> Any:
    try:
        import uno  # Debian's python3-uno, visible in a --system-site-packages venv
    except ImportError as error:
        raise LibreOfficeUnavailable(
            "the uno module is not importable (python3-uno, and a venv made with "
            "/usr/bin/python3 -m venv --system-site-packages)"
        ) from error
    return uno


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # the group we created with start_new_session
    except ProcessLookupError:
        pass
