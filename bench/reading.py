"""What reading a file as admins have it costs `rosterbook validate`: printed figures, nothing asserted.

Run by hand from the repository root:

    .venv/bin/python bench/reading.py [--rows 100000] [--repeat 3]

The same pbx rows (bench/rows.py) as four files, each checked by the whole command in a new
process, in turns: a UTF-8 CSV and the same CSV in Windows-1250 (Polish names on every 50th row,
so its code page has to be guessed), an .xlsx with the users' sheet alone and the same with a
cover sheet before it (without --profile, so the sheet and the format are both chosen by the
header rows). The encoding's guess and the sheet's choice cost once per file: each pair's
figures should be within the turns' noise of each other.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cli import ROSTERBOOK, measured, rosterbook_env, write_file  # noqa: E402
from bench.machine import load_average  # noqa: E402

POLISH = "Wałęsa Łukasz "


def text_files(folder: Path, rows: int) -> tuple[Path, Path]:
    lines = write_file("pbx", rows, "csv", folder).read_text("utf-8").splitlines(keepends=True)
    text = "".join(line.replace("User,", f"User,{POLISH}", 1) if i % 50 == 1 else line for i, line in enumerate(lines))
    utf8, cp1250 = folder / "pbx-utf8.csv", folder / "pbx-cp1250.csv"
    utf8.write_bytes(text.encode("utf-8"))
    cp1250.write_bytes(text.encode("cp1250", "replace"))  # a letter the code page lacks becomes '?'
    return utf8, cp1250


def workbooks(folder: Path, rows: int) -> tuple[Path, Path]:
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    source = write_file("pbx", rows, "xlsx", folder)
    values = CalamineWorkbook.from_path(str(source)).get_sheet_by_name("Users").to_python()
    made = []
    for name, cover in (("pbx-alone.xlsx", False), ("pbx-cover.xlsx", True)):
        path = folder / name
        book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "strings_to_urls": False})
        if cover:
            first = book.add_worksheet("Cover")
            first.write(0, 0, "ACME: new staff")
            first.write(1, 0, "Prepared by HR")
        sheet = book.add_worksheet("Users")
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if value != "":
                    sheet.write(r, c, value)
        book.close()
        made.append(path)
    return made[0], made[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {load_average()}; {args.rows:,} pbx rows; wall seconds of whole processes, medians")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pairs = [(text_files(folder, args.rows), ["--profile", "pbx"]), (workbooks(folder, args.rows), [])]
        for files, options in pairs:
            seconds: dict[str, list[float]] = {p.name: [] for p in files}
            peaks: dict[str, list[float]] = {p.name: [] for p in files}
            for _ in range(args.repeat):
                for path in files:
                    done = measured([str(ROSTERBOOK), "validate", str(path), *options, "--out",
                                     str(folder / "checked.xlsx")], rosterbook_env(args.rows))
                    seconds[path.name].append(done["seconds"])
                    peaks[path.name].append(done["peak_mb"])
            for name, turns in seconds.items():
                print(f"{name:16} {statistics.median(turns):6.2f} s  peak {max(peaks[name]):4.0f} MB  "
                      f"turns {' '.join(f'{t:.2f}' for t in turns)}")
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
