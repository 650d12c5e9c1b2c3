"""The mapping of a unified-identity sign-in's claims to a department and role."""

from shuangsuiji.rules.claim_rules import (
    ClaimRule,
    claim_values,
    first_match,
    pattern_error,
    rule_matches,
    stable_subject,
)


def rule(claim: str, value: str, *, pattern: bool = False, dept: str = "RFB",
         role: str = "inspector", key: int = 0) -> ClaimRule:
    return ClaimRule(claim=claim, value=value, is_pattern=pattern, department_code=dept,
                     role=role, key=key)


def test_an_exact_rule_matches_only_the_whole_value() -> None:
    assert rule_matches(rule("org", "RFB"), {"org": "RFB"})
    assert not rule_matches(rule("org", "RFB"), {"org": "RFB-1"})
    assert not rule_matches(rule("org", "RFB"), {"org": "rfb"})


def test_a_pattern_must_match_the_whole_value() -> None:
    assert rule_matches(rule("org", r"RFB-\d+", pattern=True), {"org": "RFB-12"})
    assert not rule_matches(rule("org", r"RFB-\d+", pattern=True), {"org": "xRFB-12"})
    assert not rule_matches(rule("org", r"RFB", pattern=True), {"org": "RFB-12"})


def test_a_list_claim_matches_when_any_item_does() -> None:
    claims = {"groups": ["staff", "rfb-inspectors"]}
    assert rule_matches(rule("groups", "rfb-inspectors"), claims)
    assert not rule_matches(rule("groups", "rfb-office"), claims)


def test_a_dotted_claim_reads_nested_objects() -> None:
    claims = {"org": {"code": "RFB", "name": "人防办"}}
    assert claim_values(claims, "org.code") == ["RFB"]
    assert rule_matches(rule("org.code", "RFB"), claims)
    assert claim_values(claims, "org.missing") == []
    assert claim_values(claims, "org") == []  # an object is not a value


def test_missing_empty_and_odd_values_never_match() -> None:
    assert not rule_matches(rule("org", ".*", pattern=True), {})
    assert not rule_matches(rule("org", ".*", pattern=True), {"org": ""})
    assert not rule_matches(rule("org", ".*", pattern=True), {"org": None})
    assert claim_values({"admin": True, "level": 3}, "admin") == ["true"]
    assert claim_values({"admin": True, "level": 3}, "level") == ["3"]


def test_the_first_matching_rule_decides() -> None:
    rules = [rule("org", "RFB", role="office", key=1),
             rule("org", "R.*", pattern=True, role="inspector", key=2)]
    assert first_match(rules, {"org": "RFB"}).key == 1  # type: ignore[union-attr]
    assert first_match(rules, {"org": "RXX"}).key == 2  # type: ignore[union-attr]
    assert first_match(rules, {"org": "SCJ"}) is None
    assert first_match([], {"org": "RFB"}) is None


def test_a_broken_pattern_is_reported_and_never_matches() -> None:
    assert pattern_error("(") == "invalid"
    assert pattern_error("a" * 201) == "too_long"
    assert pattern_error(r"RFB-\d+") is None
    assert not rule_matches(rule("org", "(", pattern=True), {"org": "("})


def test_the_stable_subject_is_the_issuer_and_sub() -> None:
    assert stable_subject({"iss": "https://id.gov", "sub": "42"}) == ("https://id.gov", "42")
    assert stable_subject({"sub": "42"}) is None
    assert stable_subject({"iss": "https://id.gov", "sub": ""}) is None
    assert stable_subject({"iss": "https://id.gov", "sub": 42}) is None
