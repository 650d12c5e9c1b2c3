"""监管行为数据 of approved inspections: the facts gathered here, the record made by
rules/supervision.py (which decides what may leave the platform)."""

import json
from collections.abc import Iterable

from django.db.models import QuerySet

from shuangsuiji.inspections.choices import FollowUpKind, Method, ResultCategory, ReviewState
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.publication import services as publication
from shuangsuiji.publication.exports import source
from shuangsuiji.publication.models import PublishedResult, ResultRepair
from shuangsuiji.rules import publication as publication_rules
from shuangsuiji.rules import supervision
from shuangsuiji.rules.canonical import canonical_json


def approved_all() -> QuerySet[Inspection]:
    """Every approved result of the platform, oldest first."""
    return (Inspection.objects.filter(state=ReviewState.APPROVED)
            .select_related("department", "department__root", "visit__task",
                            "visit__drawn_target__target")
            .order_by("reviewed_at", "pk"))


def approved(organisation_id: int) -> QuerySet[Inspection]:
    """Every approved result of the organisation's departments, oldest first."""
    return approved_all().filter(department__root_id=organisation_id)


def exportable(inspection: Inspection) -> bool:
    """A result withheld as a whole by an approved redaction does not leave the platform."""
    return not publication.withheld_whole(inspection)


def _label(choices: type, value: str) -> str:
    try:
        return publication_rules.chinese_term(str(choices(value).label))  # type: ignore[operator]
    except ValueError:
        return value


def kind_of(inspection: Inspection) -> str:
    """检查方式: every result today comes from a random draw; a non-random inspection will
    carry its own kind (issue 23) and is read here when it does."""
    return getattr(inspection, "kind", "") or supervision.KIND_RANDOM


def facts(inspection: Inspection) -> supervision.Facts:
    visit = inspection.visit
    task = visit.task
    withheld = publication.withheld_fields(inspection)
    # As the public snapshot is made: private names, identity and phone numbers masked.
    snapshot = publication_rules.redact(publication.snapshot_of(inspection), [])
    inspectors = []
    for signature in (inspection.signatures.filter(role="inspector", inspector__isnull=False)
                      .select_related("inspector").order_by("pk")):
        certificate = signature.inspector.certificates.order_by("-valid_to", "pk").first()
        inspectors.append(supervision.Inspector(
            name=signature.inspector.name,
            certificate_number=certificate.number if certificate else ""))
    items = tuple(supervision.Item(name=f.item.matter,
                                   implementation_code=f.item.implementation_code,
                                   regulatory_code=f.item.regulatory_code)
                  for f in inspection.findings.select_related("item").order_by("item__code"))
    measures = tuple(_label(FollowUpKind, k) for k in
                     inspection.follow_ups.order_by("pk").values_list("kind", flat=True))
    return supervision.Facts(
        inspection_id=inspection.pk, kind=kind_of(inspection), task_code=task.code,
        task_name=task.name, joint=task.participants.count() > 1,
        authority_name=inspection.department.root.name if inspection.department.root_id
        else inspection.department.name, authority_code="",
        target_name=snapshot.entity_name, target_uscc=snapshot.uscc,
        target_region_code=snapshot.region_code or "", inspected_on=inspection.inspected_on,
        methods=tuple(_label(Method, m) for m in inspection.methods),
        result=tuple(_label(ResultCategory, c) for c in inspection.categories),
        findings=snapshot.findings, measures=measures or (_label(FollowUpKind, "none"),),
        items=items, inspectors=tuple(inspectors),
        withheld=frozenset(withheld))


def records_of(inspection: Inspection) -> list[dict[str, object]]:
    return supervision.records(facts(inspection))


def jsonl(inspections: Iterable[Inspection]) -> tuple[bytes, int]:
    """The JSON lines of these inspections' records, and how many records."""
    lines = []
    for inspection in inspections:
        for record in records_of(inspection):
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"), len(lines)


def supervision_body(inspection: Inspection) -> str:
    """The pushed body of one inspection's records."""
    return canonical_json({"schema": f"shuangsuiji.supervision/{supervision.SCHEMA_VERSION}",
                           "records": records_of(inspection)})


def result_body(result: PublishedResult) -> str:
    """The pushed body of one published result: the batch file's columns, by name."""
    row = publication_rules.export_row(source(result))
    return canonical_json({"schema": "shuangsuiji.result/1",
                           "result": dict(zip(publication_rules.EXPORT_COLUMNS, row,
                                              strict=True))})


def repair_body(repair: ResultRepair) -> str:
    """The pushed body of a credit repair (信用修复) of a result the receiver already holds:
    which result (as its own columns name it) and from which day it is shown repaired. The
    office's reason stays with the office."""
    result = repair.result
    return canonical_json({"schema": "shuangsuiji.result-repair/1", "repair": {
        "统一社会信用代码": result.uscc, "企业名称": result.entity_name,
        "检查实施机关": result.department_name, "检查任务编号": result.task_code,
        "公示日期": result.published_on.isoformat(),
        "信用修复日期": repair.repaired_on.isoformat()}})
