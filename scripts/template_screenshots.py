"""Screenshots of one template for the README: LibreOffice prints each sheet to PDF, pdftoppm makes PNGs.

    .venv/bin/python scripts/template_screenshots.py [PROFILE]     (default iplum; needs LibreOffice)

The Users sheet shows the profile's example row typed in the way an admin types it, so the
Text columns keep their '+' and leading zeros. With Debian's fonts-crosextra-carlito installed
(metric-compatible with Excel's Calibri), LibreOffice lays the buttons out as Excel does.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addin.profiles import get_profile  # noqa: E402
from addin.template import build_template  # noqa: E402
from addin.template.data_sheet import DATA_SHEET, FIRST_DATA_ROW  # noqa: E402
from addin.template.instructions import INSTRUCTIONS_SHEET  # noqa: E402
from tests import lo_workbook as lw  # noqa: E402
from tests.libreoffice import libreoffice_session  # noqa: E402

OUT = ROOT / "docs" / "img"
RESOLUTION = 110  # dots per inch
# The Users sheet holds a few rows at the top of a landscape page: keep the top of the page only.
CROP_INCHES = {"": (10.2, 1.6), "-instructions": (10.2, 6.0)}


def main(profile_id: str = "iplum") -> None:
    profile = get_profile(profile_id)
    with tempfile.TemporaryDirectory() as work, libreoffice_session() as office:
        work = Path(work)
        template = build_template(profile, work)
        with office.document(template) as doc:
            users = lw.sheet(doc, DATA_SHEET)
            for col, column in enumerate(profile.columns):
                if column.example:
                    lw.type_into(users, col, FIRST_DATA_ROW, column.example)
            lw.make_buttons_printable(users)
            pdfs = {"": lw.export_sheet_pdf(doc, users, work / "users.pdf"),
                    "-instructions": lw.export_sheet_pdf(doc, lw.sheet(doc, INSTRUCTIONS_SHEET),
                                                          work / "instructions.pdf")}
        for suffix, pdf in pdfs.items():
            target = OUT / f"template-{profile.id}{suffix}"
            width, height = (round(inches * RESOLUTION) for inches in CROP_INCHES[suffix])
            subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", "1", "-l", "1", "-singlefile",
                            "-x", str(RESOLUTION // 2), "-y", str(RESOLUTION // 2), "-W", str(width),
                            "-H", str(height), str(pdf), str(target)], check=True)
            print(f"wrote {target}.png")


if __name__ == "__main__":
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    main(*sys.argv[1:])
