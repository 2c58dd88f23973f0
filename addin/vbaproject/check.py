"""A static check of a VBA project's modules: what would keep Office from compiling them, or a
button from finding its macro. Office compiles a source-only project (ours) when it opens it, so
nothing else would notice these before an admin clicks a button.

Each rule and where it comes from:
- "ptrsafe": a Declare without PtrSafe in a branch compiled under VBA7, evaluating #If for
  Windows 64-bit, Windows 32-bit and Mac (conditional.PLATFORMS). 64-bit Office refuses the
  project ("The code in this project must be updated for use on 64-bit systems"); 32-bit Office
  accepts it, but the same file goes to both, so any VBA7 branch counts.
- "duplicate-procedure": one public procedure name in two standard modules. A plain call, and a
  button's plain macro name, is then ambiguous ("Calling procedures with the same name"); the
  modules themselves still compile (xlwings' own xlwings.xlam has two public GetUdfModules).
- "named-like-module": a procedure of a standard module named like a module; a plain reference
  to it finds the module ("Expected variable or procedure, not module").
- "attribute": an Attribute line outside the module header (MS-VBAL 4.2: the header's
  attributes open the module, VB_Name first) and not in the block right after the procedure
  or module variable it names (`Attribute Name.VB_...`), where the VBE writes member attributes.
- "line-ending": a line not ended by CR LF, the only line break the VBE stores. Office seems to
  accept LF alone (xlwings ships quickstart_standalone.xlsm, re-saved by Aspose.Cells, with such a
  module); the rule keeps our output in the VBE's own form.
- "line-length": a physical line over 1,023 characters ("Line too long").
- "continuations": more than 24 line continuations in one logical line ("Too many line
  continuations").
- "code-page": a byte the project's code page (PROJECTCODEPAGE) does not define.
- "button": a button's macro that does not resolve to exactly one public Sub without
  parameters in a standard module.
- "conditional": an #If block the compiler would refuse (unbalanced, or no value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .conditional import PLATFORMS, ConditionalError, Value, active_lines
from .lines import LogicalLine, PhysicalLine, logical_lines, physical_lines

MAX_LINE_LENGTH = 1023
MAX_CONTINUATIONS = 24

_PROCEDURE = re.compile(
    r"(?:(?P<scope>Public|Private|Friend|Global)\s+)?(?:Static\s+)?"
    r"(?P<kind>Sub|Function|Property\s+(?:Get|Let|Set))\s+(?P<name>[A-Za-z]\w*)[%&!#@$^]?\s*(?P<rest>.*)$",
    re.IGNORECASE)
_DECLARE = re.compile(
    r"(?:(?P<scope>Public|Private)\s+)?Declare\s+(?P<ptrsafe>PtrSafe\s+)?(?P<kind>Sub|Function)\s+"
    r"(?P<name>[A-Za-z]\w*)[%&!#@$^]?\s*(?P<rest>.*)$",
    re.IGNORECASE)
_END_PROCEDURE = re.compile(r"End\s+(Sub|Function|Property)\b", re.IGNORECASE)
_VARIABLE = re.compile(
    r"(?:Public|Private|Dim|Global)\s+(?:WithEvents\s+)?(?!(?:Sub|Function|Property|Declare|Const|Type|Enum|Event)\b)"
    r"(?P<name>[A-Za-z]\w*)",
    re.IGNORECASE)
_ATTRIBUTE = re.compile(r"Attribute\s+(?P<target>[A-Za-z]\w*)(?P<member>\.[\w.]+)?\s*=", re.IGNORECASE)
_BUTTON_WORKBOOK = re.compile(r"^\[0\]!")


@dataclass(frozen=True)
class SourceModule:
    name: str
    kind: str  # "standard", "class", "document" or "designer"
    source: bytes  # as the module stream stores it, in the project's code page


@dataclass(frozen=True)
class Problem:
    rule: str
    module: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.module, f"line {self.line}" if self.line else None) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Procedure:
    module: str
    name: str
    kind: str  # "Sub", "Function", "Property Get", ..., "Declare Sub", "Declare Function"
    public: bool
    parameters: str
    line: int


def check_vba_project(data: bytes, macros: Iterable[str] = ()) -> list[Problem]:
    """Check every module of a vbaProject.bin, and that each of `macros` (as a button names it,
    e.g. "[0]!ValidateRows") resolves. Reading the file needs olefile (the test extras)."""
    from .reader import read_vba_project

    project = read_vba_project(data)
    modules = [SourceModule(m["name"], m["kind"], m["source_bytes"]) for m in project["modules"]]
    constants = _project_constants(project["information"].get("PROJECTCONSTANTS", b""), project["codepage"])
    return check_modules(modules, project["codepage"], macros, constants)


def check_modules(modules: Sequence[SourceModule], codepage: str, macros: Iterable[str] = (),
                  project_constants: Mapping[str, Value] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    texts = {}
    for module in modules:
        problems += _encoding_problems(module, codepage)
        text = module.source.decode(codepage, errors="replace")
        physical = physical_lines(text)
        logical = logical_lines(physical)
        texts[module.name] = logical
        problems += _line_problems(module.name, physical, logical)
        problems += _attribute_problems(module.name, logical)
    module_kinds = {m.name.upper(): m.kind for m in modules}
    macros = list(macros)
    where: dict[Problem, list[str]] = {}  # a problem of the compiled code -> the platforms it is on
    for platform, constants in PLATFORMS.items():
        for problem in _compiled_problems(modules, texts, {**(project_constants or {}), **constants},
                                          module_kinds, macros):
            where.setdefault(problem, []).append(platform)
    for problem, platforms in where.items():
        if len(platforms) < len(PLATFORMS):
            problem = replace(problem, message=f"{problem.message} (on {', '.join(platforms)})")
        problems.append(problem)
    return sorted(problems, key=lambda p: (p.module or "", p.line or 0, p.rule))


def _compiled_problems(modules: Sequence[SourceModule], texts: Mapping[str, list[LogicalLine]],
                       constants: Mapping[str, Value], module_kinds: Mapping[str, str],
                       macros: list[str]) -> list[Problem]:
    """The rules on the code one platform compiles."""
    problems, procedures = [], []
    for module in modules:
        try:
            active = active_lines(texts[module.name], constants)
        except ConditionalError as error:
            problems.append(Problem("conditional", module.name, error.line, str(error)))
            continue
        found, unsafe = _procedures(module.name, texts[module.name], active)
        procedures += found if module.kind == "standard" else []
        problems += [Problem("ptrsafe", module.name, d.line,
                             f"Declare {d.name} has no PtrSafe, yet VBA7 compiles it: write Declare PtrSafe")
                     for d in unsafe]
    return problems + _name_problems(procedures, module_kinds) + _button_problems(macros, procedures, module_kinds)


# --- bytes and lines --------------------------------------------------------------------------


def _encoding_problems(module: SourceModule, codepage: str) -> list[Problem]:
    problems = []
    for number, raw in enumerate(re.split(rb"\r\n|\r|\n", module.source), start=1):
        try:
            raw.decode(codepage)
        except UnicodeDecodeError as error:
            byte = raw[error.start]
            problems.append(Problem("code-page", module.name, number,
                                    f"byte 0x{byte:02X} is no character of the project's code page {codepage}"))
    return problems


def _line_problems(module: str, physical: list[PhysicalLine], logical: list[LogicalLine]) -> list[Problem]:
    problems = []
    wrong = [line for line in physical if line.ending not in ("\r\n", "")]
    if wrong:
        more = f" (and {len(wrong) - 1} more lines)" if len(wrong) > 1 else ""
        problems.append(Problem("line-ending", module, wrong[0].number,
                                f"the line ends with {_ending_name(wrong[0].ending)}, not CR LF{more}"))
    problems += [Problem("line-length", module, line.number,
                         f"the line has {len(line.text)} characters; VBA allows {MAX_LINE_LENGTH}")
                 for line in physical if len(line.text) > MAX_LINE_LENGTH]
    problems += [Problem("continuations", module, line.number,
                         f"{line.continuations} line continuations in one statement; VBA allows {MAX_CONTINUATIONS}")
                 for line in logical if line.continuations > MAX_CONTINUATIONS]
    return problems


def _ending_name(ending: str) -> str:
    return {"\n": "LF alone", "\r": "CR alone"}[ending]


def _attribute_problems(module: str, logical: list[LogicalLine]) -> list[Problem]:
    problems = []
    index = 0
    while index < len(logical) and _ATTRIBUTE.match(logical[index].text) and not _member(logical[index]):
        index += 1
    if index == 0 or not re.match(r"Attribute\s+VB_Name\b", logical[0].text, re.IGNORECASE):
        problems.append(Problem("attribute", module, 1, "the module does not start with Attribute VB_Name"))
    owner: str | None = None  # what the attribute block being read may name
    in_procedure = False
    for line in logical[index:]:
        match = _ATTRIBUTE.match(line.text)
        if not match:
            owner = _attribute_owner(line.code, in_procedure)
            if _END_PROCEDURE.match(line.code):
                in_procedure = False
            elif _PROCEDURE.match(line.code):
                in_procedure = True
            continue
        if not _member(line):
            problems.append(Problem("attribute", module, line.number,
                                    "a module attribute after the module's first line of code: it belongs in the "
                                    "header at the top"))
        elif owner is None or match.group("target").upper() != owner.upper():
            problems.append(Problem("attribute", module, line.number,
                                    f"Attribute {match.group('target')}{match.group('member')} is not right after "
                                    f"the declaration of {match.group('target')}"))
    return problems


def _member(line: LogicalLine) -> bool:
    match = _ATTRIBUTE.match(line.text)
    return bool(match and match.group("member"))


def _attribute_owner(code: str, in_procedure: bool) -> str | None:
    """The procedure or module variable a declaration line declares, whose attributes may follow."""
    for pattern in (_PROCEDURE, _DECLARE) if in_procedure else (_PROCEDURE, _DECLARE, _VARIABLE):
        match = pattern.match(code)
        if match:
            return match.group("name")
    return None


# --- procedures -------------------------------------------------------------------------------


def _procedures(module: str, logical: list[LogicalLine], active: list[bool]) -> tuple[list[Procedure], list[Procedure]]:
    """(procedures of the compiled lines, Declare statements among them without PtrSafe)."""
    procedures, unsafe = [], []
    for line, compiled in zip(logical, active):
        if not compiled:
            continue
        code = line.code
        declare = _DECLARE.match(code)
        if declare:
            procedure = Procedure(module, declare.group("name"), f"Declare {declare.group('kind').title()}",
                                  (declare.group("scope") or "Public").upper() == "PUBLIC",
                                  _parameters(declare.group("rest")), line.number)
            procedures.append(procedure)
            if not declare.group("ptrsafe"):
                unsafe.append(procedure)
            continue
        match = _PROCEDURE.match(code)
        if match:
            kind = " ".join(word.title() for word in match.group("kind").split())
            procedures.append(Procedure(module, match.group("name"), kind,
                                        (match.group("scope") or "Public").upper() in ("PUBLIC", "GLOBAL"),
                                        _parameters(match.group("rest")), line.number))
    return procedures, unsafe


def _parameters(rest: str) -> str:
    """The text between the parentheses that follow a procedure's name ("" without any)."""
    rest = rest.lstrip()
    if not rest.startswith("("):
        return ""
    depth = 0
    for index, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return rest[1:index].strip()
    return rest[1:].strip()


def _name_problems(procedures: list[Procedure], module_kinds: Mapping[str, str]) -> list[Problem]:
    problems = []
    first: dict[str, Procedure] = {}
    for procedure in procedures:
        key = procedure.name.upper()
        if key in module_kinds:
            problems.append(Problem("named-like-module", procedure.module, procedure.line,
                                    f"{procedure.kind} {procedure.name} is named like a module: a plain "
                                    "reference to it finds the module"))
        if not procedure.public:
            continue
        earlier = first.setdefault(key, procedure)
        if earlier.module != procedure.module:
            problems.append(Problem("duplicate-procedure", procedure.module, procedure.line,
                                    f"public {procedure.name} is also in module {earlier.module} (line "
                                    f"{earlier.line}): a plain call to it is ambiguous"))
    return problems


def _button_problems(macros: list[str], procedures: list[Procedure], module_kinds: Mapping[str, str]) -> list[Problem]:
    problems = []
    for macro in macros:
        name = _BUTTON_WORKBOOK.sub("", macro)
        if "!" in name:
            problems.append(Problem("button", None, None, f"button macro {macro!r} is not in this workbook"))
            continue
        module, _, procedure_name = name.rpartition(".")
        if module and module_kinds.get(module.upper()) != "standard":
            problems.append(Problem("button", None, None, f"button macro {macro!r}: {module} is not a standard module"))
            continue
        found = [p for p in procedures if p.public and p.name.upper() == procedure_name.upper()
                 and (not module or p.module.upper() == module.upper())]
        if not found:
            problems.append(Problem("button", None, None,
                                    f"button macro {macro!r}: no public Sub {procedure_name} in a standard module"))
        elif len(found) > 1:
            modules = ", ".join(p.module for p in found)
            problems.append(Problem("button", None, None, f"button macro {macro!r} is ambiguous: it is in {modules}"))
        elif found[0].kind != "Sub" or found[0].parameters:
            target = found[0]
            what = f"{target.kind} {target.name}({target.parameters})"
            problems.append(Problem("button", target.module, target.line,
                                    f"button macro {macro!r} is {what}: a button runs a Sub without parameters"))
    return problems


def _project_constants(data: bytes, codepage: str) -> dict[str, Value]:
    """PROJECTCONSTANTS (MS-OVBA 2.3.4.2.1.12): "Name = 1 : Other = -1"."""
    constants: dict[str, Value] = {}
    for part in data.decode(codepage).split(":"):
        name, equals, value = part.partition("=")
        if equals and re.fullmatch(r"\s*-?\d+\s*", value):
            constants[name.strip().upper()] = int(value)
    return constants
