import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.forms.models import model_to_dict
from openpyxl import load_workbook

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.publication import services
from shuangsuiji.publication.models import ExportBatch, PublishedResult

from .conftest import FINDINGS, ID_NUMBER, PHONE


def publish(world, result, role="office"):
    return services.result_publish(actor=world.users[role], inspection=result,
                                   today=date(2026, 11, 2))


def export(world, channel="national", fmt="csv", role="office", organisation=None):
    return services.export_batch_create(actor=world.users[role],
                                        organisation=organisation or world.office,
                                        channel=channel, fmt=fmt)


def batch_text(batch) -> str:
    with batch.file.open("rb") as f:
        data = f.read()
    if batch.format == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        return data.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join("\t".join(str(c) for c in row if c is not None)
                     for row in book.active.iter_rows(values_only=True))


class TestPublish:
    def test_the_snapshot_carries_the_public_fields_and_masks_personal_data(self, world,
                                                                           approved):
        result = approved.office[0]
        published = publish(world, result)
        drawn = result.visit.drawn_target
        assert published.entity_name == drawn.target.name
        assert published.uscc == drawn.ident
        assert published.department_name == world.office.name
        assert published.task_code == "RFB-2026-LH01"
        assert published.category_text == "发现问题已责令改正"
        assert published.organisation_id == world.office.pk
        assert PHONE not in published.findings and ID_NUMBER not in published.findings
        assert "138****5678" in published.findings and "140502********0015" in published.findings
        # Due 20 working days after 2026-10-20 (the National Day week is long past).
        assert published.deadline == date(2026, 11, 17) and published.on_time is True
        assert AuditEvent.objects.filter(action="result.publish",
                                         object_id=str(published.pk)).count() == 1

    def test_refusal_is_published_as_such(self, world, approved):
        published = publish(world, approved.fire, role="partner")
        assert published.conduct == "refused"
        assert published.conduct_text == "拒绝接受检查"
        assert published.organisation_id == world.fire.pk

    def test_no_credit_risk_class_is_in_the_snapshot(self, world, approved):
        target = approved.office[0].visit.drawn_target.target
        target.risk_class = "D"
        target.save(update_fields=["risk_class"])
        published = publish(world, approved.office[0])
        assert not [f.name for f in PublishedResult._meta.fields if "risk" in f.name]
        assert "D" not in {str(v) for v in model_to_dict(published).values()}

    def test_only_approved_results_are_published(self, world, drawn_task):
        with pytest.raises(ValidationError):
            publish(world, drawn_task.office_result)
        assert not PublishedResult.objects.exists()

    def test_a_result_is_published_once_until_withdrawn(self, world, approved):
        published = publish(world, approved.office[0])
        with pytest.raises(ValidationError):
            publish(world, approved.office[0])
        services.result_withdraw(actor=world.users["office"], published=published,
                                 reason="检查日期录入错误")
        again = publish(world, approved.office[0])
        assert again.pk == published.pk and again.withdrawn_at is None

    def test_publishing_many_reports_the_refused(self, world, approved):
        publish(world, approved.office[1])
        done, refused = services.results_publish_many(
            actor=world.users["office"], inspections=[*approved.office, approved.fire])
        assert [p.inspection_id for p in done] == [approved.office[0].pk]
        assert set(refused) == {approved.office[1].pk, approved.fire.pk}

    def test_published_results_leave_the_unpublished_list(self, world, approved):
        publish(world, approved.office[0])
        left = set(deadlines.unpublished(Inspection.objects.all()).values_list("pk", flat=True))
        assert left == {approved.office[1].pk, approved.fire.pk}


class TestWithdraw:
    def test_it_needs_a_reason_and_is_audited(self, world, approved):
        published = publish(world, approved.office[0])
        with pytest.raises(ValidationError):
            services.result_withdraw(actor=world.users["office"], published=published,
                                     reason="  ")
        services.result_withdraw(actor=world.users["office"], published=published,
                                 reason="企业已提出异议，复核中")
        published.refresh_from_db()
        assert published.withdrawn_at is not None
        assert not PublishedResult.objects.public().filter(pk=published.pk).exists()
        event = AuditEvent.objects.get(action="result.withdraw")
        assert event.data["reason"] == "企业已提出异议，复核中"
        assert event.actor == world.users["office"]

    @pytest.mark.parametrize("role", ["leader", "section", "partner", "other_office"])
    def test_only_the_publishing_organisation_withdraws(self, world, approved, role):
        published = publish(world, approved.office[0])
        with pytest.raises(PermissionDenied):
            services.result_withdraw(actor=world.users[role], published=published,
                                     reason="撤回")


class TestRedaction:
    def _withhold(self, world, result, fields, role="leader", whole=False):
        return services.redaction_approve(actor=world.users[role], inspection=result,
                                          whole=whole, fields=fields, basis="trade_secret",
                                          reason="《政府信息公开条例》第十五条")

    def test_a_withheld_value_is_nowhere_in_the_row_or_the_exports(self, world, approved):
        result = approved.office[0]
        uscc, name = result.visit.drawn_target.ident, result.visit.drawn_target.target.name
        self._withhold(world, result, ["uscc", "entity_name", "findings"])
        published = publish(world, result)
        row = " ".join(str(v) for v in model_to_dict(published).values())
        for secret in (uscc, name, "防护门密闭不严"):
            assert secret not in row
        assert published.withheld_fields == ["entity_name", "uscc", "findings"]
        for fmt, channel in (("csv", "national"), ("xlsx", "city")):
            text = batch_text(export(world, channel=channel, fmt=fmt))
            assert uscc not in text and name not in text and "防护门密闭不严" not in text
            assert "依法不予公示" in text

    def test_withholding_a_published_result_updates_it_at_once(self, world, approved):
        result = approved.office[0]
        published = publish(world, result)
        self._withhold(world, result, ["findings"], role="office")
        published.refresh_from_db()
        assert published.findings == "" and published.withheld_fields == ["findings"]
        self._withhold(world, result, [], whole=True)
        published.refresh_from_db()
        assert published.withdrawn_at is not None
        with pytest.raises(ValidationError):
            publish(world, result)
        assert result.pk not in deadlines.unpublished(Inspection.objects.all()).values_list(
            "pk", flat=True)

    def test_a_republished_result_is_refreshed(self, world, approved):
        result = approved.office[0]
        published = publish(world, result)
        services.result_withdraw(actor=world.users["office"], published=published,
                                 reason="需隐去检查情况说明")
        self._withhold(world, result, ["findings"])
        published = publish(world, result)
        assert published.findings == "" and published.withheld_fields == ["findings"]

    def test_it_needs_fields_basis_and_reason(self, world, approved):
        with pytest.raises(ValidationError) as exc:
            services.redaction_approve(actor=world.users["office"],
                                       inspection=approved.office[0], whole=False,
                                       fields=["conduct"], basis="none", reason="")
        assert set(exc.value.message_dict) == {"fields", "basis", "reason"}

    def test_leadership_approves_redactions_but_does_not_publish(self, world, approved):
        self._withhold(world, approved.office[0], ["region_code"], role="leader")
        assert AuditEvent.objects.filter(action="redaction.approve").count() == 1
        with pytest.raises(PermissionDenied):
            publish(world, approved.office[0], role="leader")

    @pytest.mark.parametrize("role", ["section", "inspector", "partner", "other_office"])
    def test_others_do_not_approve_the_offices_redactions(self, world, approved, role):
        with pytest.raises(PermissionDenied):
            self._withhold(world, approved.office[0], ["uscc"], role=role)


class TestWhoPublishes:
    @pytest.mark.parametrize("role", ["partner", "other_office", "section", "inspector",
                                      "leader", "expert"])
    def test_nobody_but_the_office_publishes_the_offices_results(self, world, approved, role):
        with pytest.raises(PermissionDenied):
            publish(world, approved.office[0], role=role)

    @pytest.mark.parametrize("role", ["partner", "other_office"])
    def test_a_cooperating_department_publishes_its_own(self, world, approved, role):
        assert publish(world, approved.fire, role=role).organisation_id == world.fire.pk

    def test_the_office_does_not_publish_the_cooperating_departments(self, world, approved):
        with pytest.raises(PermissionDenied):
            publish(world, approved.fire, role="office")


class TestExports:
    def test_nothing_is_sent_twice_or_missed(self, world, approved):
        first = publish(world, approved.office[0])
        batch = export(world)
        assert list(batch.rows.values_list("result_id", flat=True)) == [first.pk]
        assert export(world).size == 0  # a second batch is empty
        second = publish(world, approved.office[1])
        assert list(export(world).rows.values_list("result_id", flat=True)) == [second.pk]
        # Another channel gets them all, once.
        assert export(world, channel="city").size == 2
        assert export(world, channel="city").size == 0
        assert AuditEvent.objects.filter(action="export.create").count() == 5

    def test_withdrawn_results_are_not_exported(self, world, approved):
        kept, gone = (publish(world, r) for r in approved.office[:2])
        services.result_withdraw(actor=world.users["office"], published=gone, reason="撤回")
        batch = export(world, fmt="xlsx")
        assert list(batch.rows.values_list("result_id", flat=True)) == [kept.pk]
        text = batch_text(batch)
        assert kept.entity_name in text and gone.entity_name not in text

    def test_an_organisation_exports_only_its_own_results(self, world, approved):
        publish(world, approved.office[0])
        publish(world, approved.fire, role="partner")
        assert export(world, role="partner", organisation=world.fire).size == 1
        with pytest.raises(PermissionDenied):
            export(world, role="partner", organisation=world.office)
        with pytest.raises(PermissionDenied):
            export(world, role="leader")

    def test_the_columns_are_the_documented_ones(self, world, approved):
        publish(world, approved.office[0])
        rows = list(csv.reader(io.StringIO(batch_text(export(world)))))
        assert rows[0][:6] == ["统一社会信用代码", "企业名称", "检查实施机关", "检查类型",
                               "检查日期", "检查结果"]
        assert rows[1][3] == "双随机抽查" and rows[1][5] == "发现问题已责令改正"

    def test_the_command_line_writes_a_batch(self, world, approved, tmp_path):
        publish(world, approved.office[0])
        out = io.StringIO()
        path = tmp_path / "national.csv"
        call_command("export_data", "results", str(path), channel="national",
                     department="RFB-FXK", no_progress=True, stdout=out)
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert ExportBatch.objects.get().size == 1
        assert approved.office[0].visit.drawn_target.ident in path.read_text("utf-8-sig")
        call_command("export_data", "results", str(path), channel="national",
                     department="RFB", no_progress=True, stdout=out)
        assert ExportBatch.objects.order_by("-pk").first().size == 0


def test_approve_helper_leaves_results_approved(world, approved):
    assert {r.state for r in [*approved.office, approved.fire]} == {"approved"}
    assert FINDINGS in approved.office[0].summary


def test_names_of_the_entitys_people_are_masked_in_the_published_findings(world, approved):
    result = approved.office[1]
    target = result.visit.drawn_target.target
    target.legal_rep = "王五"
    target.save(update_fields=["legal_rep"])
    target.contacts.create(name="赵六", position="安全员", phone="13900000000")
    Inspection.objects.filter(pk=result.pk).update(
        summary="法定代表人王五不在场，安全员赵六陪同检查，检查人员秦浩。")
    published = services.result_publish(actor=world.users["office"], inspection=result)
    assert published.findings == "法定代表人王*不在场，安全员赵*陪同检查，检查人员秦浩。"
