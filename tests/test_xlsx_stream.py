"""The streamed .xlsx writer's own pieces, held to what they replace."""
from xml.sax.saxutils import quoteattr

import pytest

from addin.files.xlsx_stream import attribute


@pytest.mark.parametrize("value", ["Users", "", "Tom & Jerry's", 'say "hi"', "both ' and \"", "<b>", "a\tb\nc\rd",
                                   '0.00_);[Red]"-"#,##0', "Zoë's sheet", "&amp; &#10;"])
def test_attributes_are_quoted_as_saxutils_quotes_them(value):
    assert attribute(value) == quoteattr(value)
