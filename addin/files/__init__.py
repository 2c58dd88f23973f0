"""Files an admin has or needs, without Excel: reading filled CSV and XLSX files within limits
(limits, xlsx_package for the checks a workbook passes before its cells are read, readers for
workbooks, csv_reader with encodings for text files, table with header_choice for where the
users start), checking one (offline, with sheet_layout for merged cells and hidden rows,
column_mapping for the upload page's column step, read_facts for saying how it was read), the
annotated copy of a checked file (checked_copy, written by xlsx_stream), and the file each
vendor takes (export).

May import: addin.rules, addin.profiles, python-calamine, XlsxWriter and charset-normalizer (the
progress bar is the command line's, so tqdm stays out). Not addin.sheet, addin.template or xlwings.
"""
