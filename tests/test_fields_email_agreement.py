"""The email check's shortcut (one email-validator call per domain) agrees with email-validator itself.

check_email accepts plain addresses without calling email-validator on each of them; every address
here, valid or not, must get the verdict and the message email-validator's full check gives.
"""
import itertools

import pytest
from email_validator import EmailNotValidError, validate_email

from addin.profiles import get_profile
from addin.rules.fields import Context, Level, check_email, quote

EMAIL = get_profile("iplum").by_key["email"]
LOCALS = ("john", "j.doe", "o'brien", "a+tag", "x_y-z", "{weird}|~", "a..b", ".a", "a.", "x" * 64, "x" * 65,
          "x" * 190, "zoë", '"quoted"', "a<b", "postmaster", "Admin", "a\u0301", "a\"b", "\u00e9l\u00e8ve")
DOMAINS = ("example.com", "EXAMPLE.COM", "acme.co.uk", "localhost.localdomain", "example.test", "a.invalid",
           "foo.local", "x.onion", "bücher.de", "xn--bcher-kva.de", "XN--BCHER-KVA.DE", "a..b.com", "-a.com",
           "a-.com", "a_b.com", "1.2.3.4", "[1.2.3.4]", "a.123", "a.com.", "x" * 63 + ".com", "x" * 64 + ".com",
           ("y" * 60 + ".") * 3 + "com", "例え.jp", "a.b", "a\u200b.com", "x.arpa", "a>b.com", "d" * 70 + ".co.nz")


def full_check(text: str):
    """What check_email answered before the shortcut, for addresses past its own first tests."""
    local, _, domain = text.rpartition("@")
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return text, [(Level.ERROR, f"{quote(text)} is not a valid email address: {exc}")]
    normalized = f"{local}@{domain.lower()}"
    if normalized != text:
        return normalized, [(Level.FIXED, f"domain written in lower case: {quote(normalized)}")]
    return text, []


@pytest.mark.parametrize("local", LOCALS)
def test_same_verdict_and_message_as_email_validator(local):
    for domain in DOMAINS:
        text = f"{local}@{domain}"
        value, problems = check_email(EMAIL, text, text, Context())
        assert (value, problems) == full_check(text), text


def test_both_outcomes_are_covered():
    outcomes = {bool(check_email(EMAIL, f"{l}@{d}", None, Context()).problems)
                for l, d in itertools.product(LOCALS, DOMAINS)}
    assert outcomes == {True, False}
