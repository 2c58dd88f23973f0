"""Conditional compilation as the VBA compiler does it: #Const, #If / #ElseIf / #Else / #End If
(MS-VBAL 3.4), evaluated for one set of compiler constants at a time.

The compiler constants of each platform are Microsoft's ("Compiler constants", VBA language
reference): Win32 is True on 64-bit Windows too; VBA7 is True in every Office since 2010. An
identifier that is no constant evaluates to Empty (0, or "" beside a string). True is -1, as in VBA,
so Not, And, Or, Xor, Eqv and Imp work bit by bit on whole numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .lines import LogicalLine, strip_comment

Value = int | float | str | None  # None is Empty
TRUE, FALSE = -1, 0

# Office on each platform, with VBA7 (Office 2010 and later; Mac: Office 2016 and later).
PLATFORMS: dict[str, dict[str, Value]] = {
    "Windows 64-bit": {"VBA6": TRUE, "VBA7": TRUE, "Win16": FALSE, "Win32": TRUE, "Win64": TRUE, "Mac": FALSE},
    "Windows 32-bit": {"VBA6": TRUE, "VBA7": TRUE, "Win16": FALSE, "Win32": TRUE, "Win64": FALSE, "Mac": FALSE},
    "Mac": {"VBA6": TRUE, "VBA7": TRUE, "Win16": FALSE, "Win32": FALSE, "Win64": FALSE, "Mac": TRUE,
            "MAC_OFFICE_VERSION": 16},
}

_DIRECTIVE = re.compile(r"#\s*(If|ElseIf|Else|End\s*If|Const)\b(.*)$", re.IGNORECASE)
_TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<number>&H[0-9A-F]+&?|&O[0-7]+&?|\d+(?:\.\d+)?(?:E[+-]?\d+)?[%&!#@^]?)
  | (?P<op><=|>=|<>|[=<>+\-*/\\^&()])
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
)""", re.IGNORECASE | re.VERBOSE)

# Binary operators from the loosest to the tightest; Not sits between And and the comparisons,
# unary minus between * / and ^ (VBA's "Operator precedence").
_BINARY_LEVELS = (("IMP",), ("EQV",), ("XOR",), ("OR",), ("AND",), None, ("=", "<>", "<", ">", "<=", ">="),
                  ("&",), ("+", "-"), ("MOD",), ("\\",), ("*", "/"))


class ConditionalError(ValueError):
    """A directive the compiler would refuse, or one this evaluator cannot follow."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def active_lines(lines: Sequence[LogicalLine], constants: Mapping[str, Value]) -> list[bool]:
    """For each logical line, whether the compiler sees it under `constants`; directive lines are
    not code and count as inactive. Raises ConditionalError naming the line."""
    known = {name.upper(): value for name, value in constants.items()}
    stack: list[tuple[bool, bool, int]] = []  # (this branch is compiled, some branch was taken, #If's line)
    active = []
    for line in lines:
        enclosing = all(entry[0] for entry in stack)
        match = _DIRECTIVE.match(line.code)
        if not match:
            active.append(enclosing)
            continue
        active.append(False)
        keyword = re.sub(r"\s+", "", match.group(1)).upper()
        rest = match.group(2)
        try:
            if keyword == "IF":
                taken = enclosing and _truth(evaluate(_condition(rest), known))
                stack.append((taken, taken, line.number))
            elif keyword in ("ELSEIF", "ELSE"):
                if not stack:
                    raise ConditionalError(f"#{match.group(1)} without #If")
                _, was_taken, opened = stack.pop()
                enclosing = all(entry[0] for entry in stack)
                if keyword == "ELSE":
                    taken = enclosing and not was_taken
                else:
                    taken = enclosing and not was_taken and _truth(evaluate(_condition(rest), known))
                stack.append((taken, was_taken or taken, opened))
            elif keyword == "ENDIF":
                if not stack:
                    raise ConditionalError("#End If without #If")
                stack.pop()
            elif enclosing:  # #Const, only where compiled
                name, equals, expression = rest.partition("=")
                if not equals or not re.fullmatch(r"\s*[A-Za-z]\w*\s*", name):
                    raise ConditionalError(f"cannot read #Const{rest}")
                known[name.strip().upper()] = evaluate(expression, known)
        except ConditionalError as error:
            raise ConditionalError(str(error), line.number) from None
    if stack:
        raise ConditionalError("#If without #End If", stack[-1][2])
    return active


def _condition(rest: str) -> str:
    match = re.fullmatch(r"(.*?)\s+Then\s*", strip_comment(rest), re.IGNORECASE | re.DOTALL)
    if not match:
        raise ConditionalError(f"#If{rest} has no Then")
    return match.group(1)


def _truth(value: Value) -> bool:
    if isinstance(value, str):
        raise ConditionalError(f"a condition cannot be the text {value!r}")
    return bool(value)


def evaluate(expression: str, constants: Mapping[str, Value]) -> Value:
    """The value of a conditional-compilation expression; constants keyed upper-case."""
    parser = _Parser(_tokens(strip_comment(expression)), constants)
    value = parser.expression(0)
    if parser.position != len(parser.tokens):
        raise ConditionalError(f"cannot evaluate {expression.strip()!r}")
    return value


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ConditionalError(f"cannot evaluate {text.strip()!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], constants: Mapping[str, Value]):
        self.tokens, self.constants, self.position = tokens, constants, 0

    def peek(self) -> str:
        if self.position >= len(self.tokens):
            return ""
        kind, text = self.tokens[self.position]
        return text.upper() if kind in ("op", "name") else ""

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ConditionalError("the expression ends too early")
        self.position += 1
        return self.tokens[self.position - 1]

    def expression(self, level: int) -> Value:
        if level == len(_BINARY_LEVELS):
            return self.power()
        operators = _BINARY_LEVELS[level]
        if operators is None:  # Not
            if self.peek() == "NOT":
                self.take()
                return _not(self.expression(level))
            return self.expression(level + 1)
        left = self.expression(level + 1)
        while self.peek() in operators:
            operator = self.take()[1].upper()
            left = _binary(operator, left, self.expression(level + 1))
        return left

    def power(self) -> Value:
        if self.peek() == "-":
            self.take()
            return -_number(self.power())
        if self.peek() == "+":
            self.take()
            return _number(self.power())
        base = self.atom()
        while self.peek() == "^":
            self.take()
            base = _number(base) ** _number(self.atom())
        return base

    def atom(self) -> Value:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "number":
            return _number_literal(text)
        if text == "(":
            value = self.expression(0)
            if self.take()[1] != ")":
                raise ConditionalError("a parenthesis is not closed")
            return value
        if kind == "name":
            upper = text.upper()
            if upper in ("TRUE", "FALSE"):
                return TRUE if upper == "TRUE" else FALSE
            if upper in ("NOT", "AND", "OR", "XOR", "EQV", "IMP", "MOD", "LIKE", "IS"):
                raise ConditionalError(f"unexpected {text}")
            return self.constants.get(upper)
        raise ConditionalError(f"unexpected {text!r}")


def _number_literal(text: str) -> int | float:
    body = text.rstrip("%&!#@^") if not text.upper().startswith("&") else text.rstrip("&")
    if body.upper().startswith("&H"):
        return int(body[2:], 16)
    if body.upper().startswith("&O"):
        return int(body[2:], 8)
    value = float(body)
    return int(value) if value.is_integer() and "." not in body and "E" not in body.upper() else value


def _number(value: Value) -> int | float:
    if value is None:
        return 0
    if isinstance(value, str):
        raise ConditionalError(f"the text {value!r} is used as a number")
    return value


def _not(value: Value) -> int:
    return ~int(_number(value))


def _binary(operator: str, left: Value, right: Value) -> Value:
    if operator == "&":
        return _text(left) + _text(right)
    if operator in ("=", "<>", "<", ">", "<=", ">="):
        return _compare(operator, left, right)
    if operator in ("AND", "OR", "XOR", "EQV", "IMP"):
        a, b = int(_number(left)), int(_number(right))
        results = {"AND": a & b, "OR": a | b, "XOR": a ^ b, "EQV": ~(a ^ b), "IMP": ~a | b}
        return results[operator]
    a, b = _number(left), _number(right)
    if operator in ("/", "\\", "MOD") and b == 0:
        raise ConditionalError("division by zero")
    results = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
               "\\": lambda: int(a) // int(b), "MOD": lambda: int(a) % int(b)}
    return results[operator]()


def _text(value: Value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _compare(operator: str, left: Value, right: Value) -> int:
    if isinstance(left, str) or isinstance(right, str):
        if not (isinstance(left, str) or left is None) or not (isinstance(right, str) or right is None):
            raise ConditionalError(f"cannot compare {left!r} with {right!r}")
        a, b = _text(left), _text(right)
    else:
        a, b = _number(left), _number(right)
    results = {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}
    return TRUE if results[operator] else FALSE
