"""Claiming, scheduling, entering, signing, submitting and reviewing a result, and who may."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageDraw

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.inspections import services
from shuangsuiji.inspections.models import Claim, Inspection
from shuangsuiji.plans import services as plans

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def png(blank: bool = False) -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 80), (120, 20), (280, 70)], fill=(0, 0, 0, 255),
                                   width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def fill(result: Inspection, user, **changes) -> Inspection:
    lines = {f.item_id: ("compliant", "") for f in result.findings.all()}
    data = {"inspected_on": date(2026, 10, 20), "methods": ["on_site", "documents"],
            "categories": ["no_problem"], "findings": lines} | changes
    return services.inspection_save(actor=user, inspection=result, **data)


def sign_all(result: Inspection, user) -> None:
    for a in result.visit.drawn_target.assignments.filter(department=result.department):
        services.signature_add(actor=user, inspection=result, role="inspector", name="",
                               png=png(), inspector_id=a.inspector_id)
    services.signature_add(actor=user, inspection=result, role="representative",
                           name="王经理", png=png())


def ready(result: Inspection, user) -> Inspection:
    fill(result, user)
    sign_all(result, user)
    return services.inspection_submit(actor=user, inspection=result)


class TestClaimAndSchedule:
    def test_a_group_member_claims_and_the_task_starts(self, world, drawn_task):
        services.task_claim(actor=world.users["inspector"], task=drawn_task.task)
        drawn_task.task.refresh_from_db()
        assert drawn_task.task.state == "in_progress"
        assert Claim.objects.filter(task=drawn_task.task,
                                    inspector__user=world.users["inspector"]).count() == 1
        assert AuditEvent.objects.filter(action="task.claim").count() == 1
        # Claiming again changes nothing.
        services.task_claim(actor=world.users["inspector"], task=drawn_task.task)
        assert Claim.objects.count() == 1

    @pytest.mark.parametrize("role", ["section", "office", "partner", "expert"])
    def test_only_an_inspector_of_a_group_claims(self, world, drawn_task, role):
        with pytest.raises(PermissionDenied):
            services.task_claim(actor=world.users[role], task=drawn_task.task)

    def test_a_finished_task_cannot_be_claimed(self, world, drawn_task):
        plans.task_finish(actor=world.users["office"], task=drawn_task.task)
        drawn_task.task.refresh_from_db()
        with pytest.raises(ValidationError, match="cannot be claimed"):
            services.task_claim(actor=world.users["inspector"], task=drawn_task.task)

    def test_both_groups_see_one_agreed_date_within_the_period(self, world, drawn_task):
        visit = drawn_task.visit
        services.visit_schedule(actor=world.users["other_inspector"], visit=visit,
                                day=date(2026, 10, 21), materials="人防工程竣工验收资料")
        visit.refresh_from_db()
        assert visit.agreed_date == date(2026, 10, 21)
        assert visit.agreed_by == world.users["other_inspector"]
        with pytest.raises(ValidationError, match="within the task's inspection period"):
            services.visit_schedule(actor=world.users["inspector"], visit=visit,
                                    day=date(2026, 12, 1))

    def test_a_partner_office_user_outside_the_groups_cannot_set_the_date(self, world,
                                                                          drawn_task):
        with pytest.raises(PermissionDenied):
            services.visit_schedule(actor=world.users["partner"], visit=drawn_task.visit,
                                    day=date(2026, 10, 21))


    def test_telling_the_entity_the_outcome_is_recorded_by_a_group_member(self, world,
                                                                          drawn_task):
        visit = drawn_task.visit
        with pytest.raises(ValidationError, match="Say how"):
            services.visit_inform(actor=world.users["inspector"], visit=visit, how=" ")
        with pytest.raises(PermissionDenied):
            services.visit_inform(actor=world.users["partner"], visit=visit, how="电话告知")
        services.visit_inform(actor=world.users["other_inspector"], visit=visit,
                              how="检查结束时当场反馈")
        visit.refresh_from_db()
        assert visit.entity_informed_at is not None
        assert visit.entity_informed_how == "检查结束时当场反馈"
        assert AuditEvent.objects.filter(action="visit.inform", object_id=str(visit.pk)).exists()


class TestEntering:
    def test_the_office_group_enters_its_result(self, world, drawn_task):
        result = fill(drawn_task.office_result, world.users["inspector"])
        assert result.categories == ["no_problem"]
        assert set(result.findings.values_list("outcome", flat=True)) == {"compliant"}
        assert AuditEvent.objects.filter(action="result.save",
                                         object_id=str(result.pk)).exists()

    def test_a_cooperating_department_cannot_edit_the_offices_result(self, world, drawn_task):
        with pytest.raises(PermissionDenied):
            fill(drawn_task.office_result, world.users["other_inspector"])
        # … and the office's inspector cannot edit the fire rescue's.
        with pytest.raises(PermissionDenied):
            fill(drawn_task.fire_result, world.users["inspector"])
        with pytest.raises(PermissionDenied):
            fill(drawn_task.office_result, world.users["office"])

    def test_an_inspector_cannot_enter_results_for_a_target_not_theirs(self, world, drawn_task):
        # Release the inspector's assignment for this target (as a replacement would).
        drawn_task.visit.drawn_target.assignments.filter(
            inspector__user=world.users["inspector"]).update(released_at="2026-10-10T00:00Z")
        with pytest.raises(PermissionDenied):
            fill(drawn_task.office_result, world.users["inspector"])

    def test_contradictions_are_refused(self, world, drawn_task):
        result = drawn_task.office_result
        first = result.findings.first()
        with pytest.raises(ValidationError, match="contradicts"):
            fill(result, world.users["inspector"],
                 findings={first.item_id: ("non_compliant", "疏散通道堵塞")})
        with pytest.raises(ValidationError, match="in the future"):
            fill(result, world.users["inspector"], inspected_on=date(2099, 1, 1))
        with pytest.raises(ValidationError, match="not on this department's checklist"):
            fill(result, world.users["inspector"], findings={999999: ("compliant", "")})
        with pytest.raises(ValidationError, match="Unknown choice"):
            fill(result, world.users["inspector"], methods=["telepathy"])


class TestSubmissionAndReview:
    def test_submission_names_what_is_missing(self, world, drawn_task):
        result = fill(drawn_task.office_result, world.users["inspector"])
        with pytest.raises(ValidationError) as caught:
            services.inspection_submit(actor=world.users["inspector"], inspection=result)
        assert "two inspectors" in str(caught.value)
        assert "representative" in str(caught.value)

    def test_the_full_review_cycle(self, world, drawn_task):
        user, office = world.users["inspector"], world.users["office"]
        result = ready(drawn_task.office_result, user)
        assert result.state == "submitted"
        with pytest.raises(ValidationError, match="no longer be changed"):
            fill(result, user)
        with pytest.raises(ValidationError, match="Say why"):
            services.inspection_review(actor=office, inspection=result, approve=False)
        result = services.inspection_review(actor=office, inspection=result, approve=False,
                                            reason="检查日期与签字日期不一致")
        assert result.state == "returned"
        assert result.return_reason == "检查日期与签字日期不一致"
        fill(result, user, summary="已更正")
        result = services.inspection_submit(actor=user, inspection=result)
        result = services.inspection_review(actor=office, inspection=result, approve=True)
        assert result.state == "approved"
        assert [(e.from_state, e.to_state) for e in result.review_events.all()] == [
            ("entered", "submitted"), ("submitted", "returned"), ("returned", "submitted"),
            ("submitted", "approved")]
        with pytest.raises(ValidationError, match="cannot become"):
            services.inspection_review(actor=office, inspection=result, approve=False,
                                       reason="再看看")

    def test_an_entered_result_cannot_be_approved_directly(self, world, drawn_task):
        result = fill(drawn_task.office_result, world.users["inspector"])
        with pytest.raises(ValidationError, match="cannot become"):
            services.inspection_review(actor=world.users["office"], inspection=result,
                                       approve=True)

    def test_each_organisation_reviews_its_own_results(self, world, drawn_task):
        result = ready(drawn_task.office_result, world.users["inspector"])
        for role in ("partner", "inspector", "leader", "other_office"):
            with pytest.raises(PermissionDenied):
                services.inspection_review(actor=world.users[role], inspection=result,
                                           approve=True)
        fire = ready(drawn_task.fire_result, world.users["other_inspector"])
        with pytest.raises(PermissionDenied):
            services.inspection_review(actor=world.users["office"], inspection=fire,
                                       approve=True)
        assert services.inspection_review(actor=world.users["partner"], inspection=fire,
                                          approve=True).state == "approved"

    def test_an_unreachable_target_is_recorded_without_findings(self, world, drawn_task):
        user = world.users["inspector"]
        result = drawn_task.office_result
        services.inspection_save(actor=user, inspection=result, inspected_on=date(2026, 10, 20),
                                 methods=["on_site"], categories=["unreachable"])
        for a in result.visit.drawn_target.assignments.filter(department=result.department):
            services.signature_add(actor=user, inspection=result, role="inspector", name="",
                                   png=png(), inspector_id=a.inspector_id)
        assert services.inspection_submit(actor=user, inspection=result).state == "submitted"


class TestSignaturesAndEvidence:
    def test_signatures_must_be_real_drawings_by_the_group(self, world, drawn_task):
        user, result = world.users["inspector"], drawn_task.office_result
        with pytest.raises(ValidationError, match="empty"):
            services.signature_add(actor=user, inspection=result, role="representative",
                                   name="王经理", png=png(blank=True))
        with pytest.raises(ValidationError, match="PNG"):
            services.signature_add(actor=user, inspection=result, role="representative",
                                   name="王经理", png=jpeg())
        outsider = drawn_task.fire_result.visit.drawn_target.assignments.filter(
            department=drawn_task.fire_result.department).first()
        with pytest.raises(ValidationError, match="Only an inspector of this department"):
            services.signature_add(actor=user, inspection=result, role="inspector", name="",
                                   png=png(), inspector_id=outsider.inspector_id)
        mine = result.visit.drawn_target.assignments.filter(
            department=result.department).first()
        services.signature_add(actor=user, inspection=result, role="inspector", name="",
                               png=png(), inspector_id=mine.inspector_id)
        with pytest.raises(ValidationError, match="already signed"):
            services.signature_add(actor=user, inspection=result, role="inspector", name="",
                                   png=png(), inspector_id=mine.inspector_id)

    def test_evidence_is_stored_under_a_random_name_with_its_digest(self, world, drawn_task):
        data = jpeg()
        upload = SimpleUploadedFile("现场照片.jpg", data, content_type="image/jpeg")
        evidence = services.evidence_add(actor=world.users["inspector"],
                                         inspection=drawn_task.office_result, upload=upload,
                                         kind="photo")
        assert evidence.content_type == "image/jpeg"
        assert "现场照片" not in evidence.file.name
        assert evidence.file.name.endswith(".jpg")
        import hashlib

        assert evidence.sha256 == hashlib.sha256(data).hexdigest()
        assert evidence.file.read() == data

    @pytest.mark.parametrize(("name", "content", "message"), [
        ("x.jpg", b"<script>alert(1)</script>" * 3, "Only JPEG and PNG"),
        ("photo.png", jpeg(), "name ends in"),
        ("broken.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "cannot be read"),
    ])
    def test_bad_files_are_refused(self, world, drawn_task, name, content, message):
        upload = SimpleUploadedFile(name, content)
        with pytest.raises(ValidationError, match=message):
            services.evidence_add(actor=world.users["inspector"],
                                  inspection=drawn_task.office_result, upload=upload,
                                  kind="photo")

    def test_a_name_with_path_characters_never_reaches_the_disk(self, world, drawn_task):
        # Django keeps only the base name of an upload; the rule refuses what would remain
        # (tested in tests/rules/test_results.py); the file is stored under a random name.
        upload = SimpleUploadedFile("../../../etc/passwd.jpg", jpeg())
        evidence = services.evidence_add(actor=world.users["inspector"],
                                         inspection=drawn_task.office_result, upload=upload,
                                         kind="photo")
        assert evidence.original_name == "passwd.jpg"
        assert ".." not in evidence.file.name and "passwd" not in evidence.file.name

    def test_too_large_files_are_refused(self, world, drawn_task, settings):
        settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES = 100
        upload = SimpleUploadedFile("big.jpg", jpeg())
        with pytest.raises(ValidationError, match="at most 100 bytes"):
            services.evidence_add(actor=world.users["inspector"],
                                  inspection=drawn_task.office_result, upload=upload,
                                  kind="photo")

    def test_a_cooperating_department_cannot_add_evidence_to_the_office_result(
            self, world, drawn_task):
        with pytest.raises(PermissionDenied):
            services.evidence_add(actor=world.users["other_inspector"],
                                  inspection=drawn_task.office_result,
                                  upload=SimpleUploadedFile("a.jpg", jpeg()), kind="photo")


class TestViolationCategories:
    def test_an_organisation_keeps_its_own_and_results_use_only_those(self, world, drawn_task,
                                                                      client):
        from django.urls import reverse

        client.force_login(world.users["office"])
        response = client.post(reverse("inspections:violation_categories"),
                               {"code": "RF-W01", "name": "擅自拆除人民防空工程",
                                "is_active": "on"})
        assert response.status_code == 302
        office_category = world.office.violation_categories.get(code="RF-W01")
        assert AuditEvent.objects.filter(action="violation_category.set").count() == 1
        fire_category = services.violation_category_set(
            actor=world.users["partner"], organisation=world.fire, code="XF-W01",
            name="占用疏散通道")
        with pytest.raises(PermissionDenied):
            services.violation_category_set(actor=world.users["partner"],
                                            organisation=world.office, code="X", name="x")
        client.force_login(world.users["inspector"])
        assert client.get(reverse("inspections:violation_categories")).status_code == 403
        user = world.users["inspector"]
        result = fill(drawn_task.office_result, user, categories=["corrected"],
                      violation_categories=[office_category.pk])
        assert list(result.violation_categories.all()) == [office_category]
        with translation.override("en"), pytest.raises(ValidationError, match="does not belong"):
            fill(drawn_task.office_result, user, categories=["corrected"],
                 violation_categories=[fire_category.pk])
