"""The .xlsm templates admins fill: one per profile, generated from it by `rosterbook build`."""
from .builder import (DEFAULT_MODE, DEFAULT_SERVER_URL, build_all, build_template, build_template_bytes,
                      template_name)
from .version import template_version

__all__ = ["DEFAULT_MODE", "DEFAULT_SERVER_URL", "build_all", "build_template", "build_template_bytes",
           "template_name", "template_version"]
