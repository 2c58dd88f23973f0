"""Names shared by the template, the in-sheet macros and the annotated copies."""

STATUS_HEADER = "Status"
ERRORS_HEADER = "Errors"
# Hidden per-row column: one character per profile column ('E' error, 'F' fixed, 'W' warning,
# '.' nothing), which the template's conditional formatting colours from.
MARKS_HEADER = "Marks"
ANNOTATION_HEADERS = (STATUS_HEADER, ERRORS_HEADER, MARKS_HEADER)

MARK_FOR_LEVEL = {"error": "E", "fixed": "F", "warning": "W"}
NO_MARK = "."
# Excel's own "light red fill with dark red text" and "yellow fill with dark yellow text" (fill,
# font, RGB hex), for the template's marked cells and the checked copy's alike; and the header fill.
MARK_COLOURS = {"error": ("FFC7CE", "9C0006"), "fixed": ("FFEB9C", "9C5700")}
HEADER_FILL = "DDEBF7"


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
