"""监管行为数据 records (rules/supervision.py): every documented element, nothing forbidden,
withheld fields left empty; the signature a receiver checks (rules/signing.py)."""

import re
from datetime import date
from pathlib import Path

import pytest

from shuangsuiji.rules import signing, supervision

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data-exchange.md").read_text("utf-8")


def facts(**changes) -> supervision.Facts:
    base = dict(
        inspection_id=7, kind="random", task_code="RFB-2026-LH01", task_name="联合抽查",
        joint=True, authority_name="晋城市人民防空办公室", authority_code="",
        target_name="晋城市测试企业有限公司", target_uscc="91140502MA0K000019",
        target_region_code="140502", inspected_on=date(2026, 10, 20),
        methods=("实地检查",), result=("发现问题已责令改正",), findings="防护门密闭不严",
        measures=("责令改正",),
        items=(supervision.Item("事项RF-01", "1140500-ZJ-0001", "114050001"),
               supervision.Item("事项RF-02", "1140500-ZJ-0002", "114050002")),
        inspectors=(supervision.Inspector("检查员甲", "CERT-1"),))
    return supervision.Facts(**(base | changes))


def test_one_record_per_checklist_item_with_its_codes_and_a_stable_id():
    records = supervision.records(facts())
    assert [r["implementation_code"] for r in records] == ["1140500-ZJ-0001",
                                                           "1140500-ZJ-0002"]
    assert [r["record_id"] for r in records] == ["SSJ-7-1", "SSJ-7-2"]
    assert records == supervision.records(facts())


def test_every_element_is_present_and_the_kind_named_as_the_standards_do():
    record = supervision.records(facts())[0]
    assert set(supervision.KEYS) <= set(record)
    assert record["kind"] == "双随机抽查"
    assert record["inspectors"] == [{"name": "检查员甲", "certificate_number": "CERT-1"}]
    assert supervision.records(facts(kind="complaint"))[0]["kind"] == "投诉举报核查"


def test_an_inspection_without_items_still_gives_one_record():
    records = supervision.records(facts(items=()))
    assert len(records) == 1 and records[0]["implementation_code"] == ""


def test_an_unknown_kind_is_refused():
    with pytest.raises(supervision.RecordError, match="kind"):
        supervision.records(facts(kind="whim"))


@pytest.mark.parametrize("withheld,key", [("entity_name", "target_name"),
                                          ("uscc", "target_uscc"),
                                          ("findings", "findings"), ("result", "result"),
                                          ("inspected_on", "inspected_on")])
def test_a_withheld_field_is_emptied_and_named(withheld, key):
    record = supervision.records(facts(withheld=frozenset({withheld})))[0]
    assert record[key] == "" and record["withheld"] == [key]


@pytest.mark.parametrize("bad", sorted(supervision.FORBIDDEN_KEYS))
def test_a_record_carrying_a_forbidden_element_is_refused(bad):
    record = supervision.records(facts())[0] | {bad: "x"}
    with pytest.raises(supervision.RecordError, match="forbidden"):
        supervision.check(record)


def test_an_inspector_with_more_than_name_and_certificate_is_refused():
    record = supervision.records(facts())[0]
    record["inspectors"] = [{"name": "甲", "certificate_number": "C", "phone": "138"}]
    with pytest.raises(supervision.RecordError, match="inspectors"):
        supervision.check(record)


def test_the_document_lists_every_element_with_its_standard_and_version():
    for element in supervision.ELEMENTS:
        row = next((line for line in DOC.splitlines() if f"`{element.key}`" in line), None)
        assert row is not None, element.key
        assert element.name in row
        for standard in element.standards:
            assert (standard in row) if standard != supervision.INFERRED else \
                ("inferred" in row.lower())
    assert re.search(r"DB33/T 2392-2021", DOC) and re.search(r"DB23/T 2833-2021", DOC)


def test_a_signature_verifies_with_the_key_only_and_near_its_time():
    body = b'{"a":1}'
    signed = signing.signature(b"k", 1000, body)
    assert signing.verify(b"k", timestamp="1000", signed=signed, body=body, now=1100)
    assert not signing.verify(b"other", timestamp="1000", signed=signed, body=body, now=1100)
    assert not signing.verify(b"k", timestamp="1000", signed=signed, body=body + b" ",
                              now=1100)
    assert not signing.verify(b"k", timestamp="1000", signed=signed, body=body, now=2000)
    assert not signing.verify(b"k", timestamp="x", signed=signed, body=body, now=1000)


def test_only_no_answer_server_errors_408_and_429_are_retried():
    assert signing.retryable(None) and signing.retryable(500) and signing.retryable(503)
    assert signing.retryable(408) and signing.retryable(429)
    assert not signing.retryable(401) and not signing.retryable(400)
    assert [signing.backoff_seconds(n, base=60) for n in range(5)] == [0, 60, 120, 240, 480]
    assert signing.backoff_seconds(30, base=60) == 3600


def test_identity_and_phone_numbers_in_the_findings_are_masked():
    text = "负责人电话13812345678，身份证号140502198001010015"
    record = supervision.records(facts(findings=text))[0]
    assert "13812345678" not in record["findings"]
    assert "140502198001010015" not in record["findings"]
