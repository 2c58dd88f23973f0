"""Files an admin has or needs, without Excel: reading filled CSV and XLSX files (readers),
checking one (offline), the annotated copy of a checked file (checked_copy), and the file each
vendor takes (export).

May import: addin.rules, addin.profiles, openpyxl and XlsxWriter. Not addin.sheet, addin.template
or xlwings.
"""
