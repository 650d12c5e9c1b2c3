"""The result rules without a database: categories, readiness for review, evidence files."""

from datetime import date

import pytest

from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.results import (
    ResultDraft,
    check_categories,
    check_evidence,
    missing_for_submission,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 40
MB = 1024 * 1024


def draft(**changes: object) -> ResultDraft:
    base = {"inspected_on": date(2026, 10, 20), "methods": ["on_site"],
            "categories": ["no_problem"], "conduct": "",
            "outcomes": {"RF-01": "compliant", "RF-02": "not_applicable"}, "signed_scan": False,
            "inspector_signatures": 2, "representative_signed": True}
    return ResultDraft(**(base | changes))


def missing(d: ResultDraft) -> list[str]:
    return missing_for_submission(d, period_start=date(2026, 10, 8), today=date(2026, 11, 27))


class TestCategories:
    def test_no_problem_alone_is_fine(self):
        check_categories(["no_problem"], ["compliant"], "")

    @pytest.mark.parametrize("problem", ["corrected", "pending", "not_disclosed",
                                         "false_disclosure", "refused"])
    def test_no_problem_beside_a_problem_is_refused(self, problem):
        with pytest.raises(RuleError, match="cannot be chosen together"):
            check_categories(["no_problem", problem], ["compliant"], "")

    def test_no_problem_beside_a_non_compliant_item_is_refused(self):
        with pytest.raises(RuleError, match="contradicts"):
            check_categories(["no_problem"], ["compliant", "non_compliant"], "")

    def test_refusal_cannot_be_no_problem(self):
        with pytest.raises(RuleError, match="refused inspection"):
            check_categories(["no_problem"], [""], "refused")

    def test_several_problems_together_are_fine(self):
        check_categories(["corrected", "not_disclosed"], ["non_compliant"], "concealed")


class TestReadiness:
    def test_a_complete_result_misses_nothing(self):
        assert missing(draft()) == []

    def test_each_missing_part_is_named(self):
        d = draft(inspected_on=None, methods=[], categories=[],
                  outcomes={"RF-01": "", "RF-02": "compliant"}, inspector_signatures=1,
                  representative_signed=False)
        assert missing(d) == ["inspected_on", "methods", "categories", "findings",
                              "inspector_signatures", "representative_signature"]

    @pytest.mark.parametrize("day", [date(2026, 10, 7), date(2026, 11, 28)])
    def test_the_date_must_be_in_the_period_and_not_in_the_future(self, day):
        assert missing(draft(inspected_on=day)) == ["inspected_on_range"]

    def test_a_signed_scan_replaces_the_signatures_on_screen(self):
        assert missing(draft(signed_scan=True, inspector_signatures=0,
                             representative_signed=False)) == []

    @pytest.mark.parametrize("category", ["unreachable", "closed", "moved", "deregistered"])
    def test_a_target_not_inspected_needs_no_findings_nor_representative(self, category):
        d = draft(categories=[category], outcomes={"RF-01": ""}, representative_signed=False)
        assert missing(d) == []

    def test_a_refusal_needs_no_findings_but_two_inspectors(self):
        d = draft(categories=["refused"], conduct="refused", outcomes={"RF-01": ""},
                  representative_signed=False, inspector_signatures=1)
        assert missing(d) == ["inspector_signatures"]


class TestEvidence:
    @pytest.mark.parametrize(("name", "head", "mime"), [
        ("现场照片.jpg", JPEG, "image/jpeg"), ("IMG_0001.JPEG", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"), ("检查单（签字盖章）.pdf", PDF, "application/pdf")])
    def test_photos_and_pdfs_are_accepted_by_their_content(self, name, head, mime):
        assert check_evidence(name, head, 1000, max_bytes=MB) == mime

    @pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "a/b.pdf", "C:\\x\\y.pdf",
                                      "..", "bad\x00name.pdf", "x\ny.pdf", ""])
    def test_names_with_path_or_control_characters_are_refused(self, name):
        with pytest.raises(RuleError, match="path or control characters"):
            check_evidence(name, PDF, 1000, max_bytes=MB)

    def test_a_text_file_named_like_a_photo_is_refused(self):
        with pytest.raises(RuleError, match="Only JPEG and PNG"):
            check_evidence("photo.jpg", b"<html><script>alert(1)</script>", 40, max_bytes=MB)

    def test_a_pdf_named_like_a_photo_is_refused(self):
        with pytest.raises(RuleError, match="name ends in"):
            check_evidence("photo.jpg", PDF, 1000, max_bytes=MB)

    def test_too_large_and_empty_files_are_refused(self):
        with pytest.raises(RuleError, match="at most 1048576 bytes"):
            check_evidence("big.pdf", PDF, MB + 1, max_bytes=MB)
        assert check_evidence("edge.pdf", PDF, MB, max_bytes=MB) == "application/pdf"
        with pytest.raises(RuleError, match="empty"):
            check_evidence("empty.pdf", b"", 0, max_bytes=MB)
