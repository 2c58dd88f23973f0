"""The rules: what a valid row is, independent of where the row comes from.

Holds the field kinds and their checks (kinds, fields, phones, cells), the admin's Excel
language (locales), the column and profile model the profiles are written in (columns), how a
file's header row maps to a format's columns (headers), the engine that checks a table of rows
(engine), what it reports (findings, annotations), a format's settings and where a workbook
keeps them (settings), and the import request built from a checked report (import_request).

May import: the standard library, pydantic and the validation libraries (phonenumbers,
email-validator, pycountry, rapidfuzz). Never a workbook or file library, the network, or any other part of
addin: everything else stands on this package.
"""
