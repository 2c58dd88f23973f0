"""Names shared by the template, the in-sheet macros and the annotated copies."""

STATUS_HEADER = "Status"
ERRORS_HEADER = "Errors"
# Hidden per-row column: one character per profile column ('E' error, 'F' fixed, 'W' warning,
# '.' nothing), which the template's conditional formatting colours from.
MARKS_HEADER = "Marks"
ANNOTATION_HEADERS = (STATUS_HEADER, ERRORS_HEADER, MARKS_HEADER)

MARK_FOR_LEVEL = {"error": "E", "fixed": "F", "warning": "W"}
NO_MARK = "."


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
