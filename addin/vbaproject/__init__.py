"""Write (and read back) vbaProject.bin files: VBA projects stored as source; check.py checks
their modules statically for what would keep Office from compiling them.

Stands alone: imports nothing else from addin (only the standard library, and olefile for
reading back).

from addin.vbaproject import Module, build_vba_project
data = build_vba_project([
    Module("ThisWorkbook", kind="document"),
    Module("Sheet1", kind="document"),
    Module.from_file("xlwings.bas"),
    Module("Roster", 'Sub Hello()\\r\\n    MsgBox "Hi"\\r\\nEnd Sub\\r\\n'),
])
"""

from .check import Problem, check_vba_project
from .compression import CompressionError, compress, decompress, iter_chunks
from .project import DEFAULT_REFERENCES, OFFICE, STDOLE, Module, Reference, build_vba_project
from .reader import read_vba_project

__all__ = [
    "DEFAULT_REFERENCES",
    "OFFICE",
    "STDOLE",
    "CompressionError",
    "Module",
    "Problem",
    "Reference",
    "build_vba_project",
    "check_vba_project",
    "compress",
    "decompress",
    "iter_chunks",
    "read_vba_project",
]
