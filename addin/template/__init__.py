"""The .xlsm templates admins fill: one per profile, generated from it by `rosterbook build`;
check.py runs the static VBA check on a built workbook (its modules and its buttons' macros).

May import: addin.rules, addin.profiles, addin.vbaproject, XlsxWriter and xlwings (for the VBA
modules it ships). Not addin.sheet or addin.files.
"""
from .builder import DEFAULT_MODE, DEFAULT_SERVER_URL, build_all, build_template, build_template_bytes, template_name
from .version import template_version

__all__ = ["DEFAULT_MODE", "DEFAULT_SERVER_URL", "build_all", "build_template", "build_template_bytes",
           "template_name", "template_version"]
