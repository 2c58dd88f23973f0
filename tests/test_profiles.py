"""The five profiles against their seed documents: every column named, in the seed's order."""
import re
from pathlib import Path

import pytest

from addin.profiles import UnknownProfile, all_profiles, get_profile
from addin.rules.columns import DEFAULT_MAX_LENGTH
from addin.rules.engine import check_cell
from addin.rules.fields import Context, Kind

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def seed_text(number: str) -> str:
    path = next(SEEDS.glob(f"{number}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {number} not found beside the checkout")
    return path.read_text(encoding="utf-8")


def headers(profile_id):
    return [c.header for c in get_profile(profile_id).columns]


def test_five_profiles_in_seed_order():
    assert list(all_profiles()) == ["ipass", "controlpanel", "commpeak", "iplum", "pbx"]
    assert [p.seed for p in all_profiles().values()] == ["000", "001", "002", "003", "004"]


def test_unknown_profile_message_lists_the_choices():
    with pytest.raises(UnknownProfile, match="choose one of ipass, controlpanel, commpeak, iplum, pbx"):
        get_profile("nope")


def test_ipass_columns_are_the_seeds_table():
    names = re.findall(r"^(\w+) (?:Mandatory|Optional)", seed_text("000"), re.M)
    assert headers("ipass") == names


def test_controlpanel_columns_are_the_seeds_eleven_values():
    names = re.findall(r"^\d+\. (.+?)\s*$", seed_text("001"), re.M)
    assert headers("controlpanel") == names


def test_pbx_columns_are_the_seeds_heading_list():
    text = seed_text("004")
    listing = text.split("import correctly:")[1].split("•")[0]
    names = re.findall(r"(\w+) \(", listing)
    assert headers("pbx") == names


def test_commpeak_mandatory_columns():
    required = [c.header for c in get_profile("commpeak").columns if c.required]
    assert required == ["Username", "Email", "Virtual Extension", "Role"]
    assert get_profile("commpeak").max_rows == 500


def test_iplum_first_two_columns():
    assert headers("iplum")[:2] == ["iPlum ID (phone/email)", "Phone #"]


@pytest.mark.parametrize("profile", all_profiles().values(), ids=lambda p: p.id)
def test_every_example_value_validates_unchanged(profile):
    ctx = profile.settings().context()
    for column in profile.columns:
        if column.example:
            value, findings = check_cell(column, column.example, column.required, ctx, 2)
            assert (value, findings) == (column.example, []), column.header


@pytest.mark.parametrize("profile", all_profiles().values(), ids=lambda p: p.id)
def test_every_column_is_described_and_bounded(profile):
    for column in profile.columns:
        assert column.describe()
        assert 0 < column.max_length <= DEFAULT_MAX_LENGTH
        if column.kind in (Kind.ENUM, Kind.BOOLEAN):
            assert column.dropdown
    assert profile.decisions and profile.notes


def test_documented_decisions_in_the_seed_contradictions():
    cp, ipass = get_profile("controlpanel"), get_profile("ipass")
    assert not cp.by_key["plan"].required and cp.by_key["password"].required
    assert ipass.by_key["suspend_notification"].header == "suspendNotifcation"
    assert "suspendnotification" in ipass.by_key["suspend_notification"].tokens
    assert cp.by_key["admin"].empty_means.startswith("FALSE") and cp.by_key["enabled"].empty_means.startswith("TRUE")
