"""The session-scoped `libreoffice` fixture (a pytest plugin module).

Use it from a test file with

    pytest_plugins = ["tests.conftest_libreoffice"]

    def test_book(libreoffice, tmp_path):
        with libreoffice.document(path) as doc:
            assert "Roster" in libreoffice.modules(doc)

Without soffice or the uno module the tests that use it fail in CI
(CI set) and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os

import pytest

from tests.libreoffice import LibreOffice, LibreOfficeUnavailable


@pytest.fixture(scope="session")
def libreoffice():
    office = LibreOffice()
    try:
        office.start()
    except LibreOfficeUnavailable as error:
        office.shutdown()
        if os.environ.get("CI"):
            pytest.fail(f"LibreOffice is required in CI: {error}")
        pytest.skip(f"LibreOffice unavailable: {error}")
    try:
        yield office
    finally:
        office.shutdown()
