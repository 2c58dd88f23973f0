"""Files an admin has or needs, without Excel: reading filled CSV and XLSX files within limits
(limits, xlsx_package for the checks a workbook passes before its cells are read, readers),
checking one (offline), the annotated copy of a checked file (checked_copy, written by
xlsx_stream), and the file each vendor takes (export).

May import: addin.rules, addin.profiles, python-calamine and XlsxWriter (the progress bar is the
command line's, so tqdm stays out). Not addin.sheet, addin.template or xlwings.
"""
