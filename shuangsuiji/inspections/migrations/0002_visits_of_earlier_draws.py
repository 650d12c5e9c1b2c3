"""The visits and result sheets of draws made before the draw made them itself.

Until now they were made when someone first opened a task's inspections (a GET that wrote);
the draw and each replacement now make them (inspections.services.visits_create, counted
in their audit entry). This makes, once, what earlier draws are missing, set-wise as the
service does; pages no longer make any.
"""

from django.db import migrations

BATCH = 2000


def make_missing_visits(apps, schema_editor) -> None:
    InspectionTask = apps.get_model("plans", "InspectionTask")
    DrawnTarget = apps.get_model("draws", "DrawnTarget")
    Visit = apps.get_model("inspections", "Visit")
    Inspection = apps.get_model("inspections", "Inspection")
    ItemFinding = apps.get_model("inspections", "ItemFinding")
    for task in InspectionTask.objects.exclude(state__in=["draft", "frozen"]).order_by("pk"):
        new = list(DrawnTarget.objects.filter(task=task, replaced_at__isnull=True)
                   .exclude(pk__in=Visit.objects.filter(task=task).values("drawn_target_id"))
                   .order_by("pk").values_list("pk", flat=True))
        if not new:
            continue
        items = {p.department_id: [i.pk for i in p.items.all()]
                 for p in task.participants.prefetch_related("items")}
        for start in range(0, len(new), BATCH):
            visits = Visit.objects.bulk_create(Visit(task=task, drawn_target_id=pk)
                                               for pk in new[start:start + BATCH])
            results = Inspection.objects.bulk_create(
                Inspection(visit=visit, department_id=department)
                for visit in visits for department in items)
            ItemFinding.objects.bulk_create(
                (ItemFinding(inspection=result, item_id=item)
                 for result in results for item in items[result.department_id]),
                batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("draws", "0009_frozen_pool_parts"),
        ("inspections", "0001_initial"),
        ("plans", "0002_task_verification"),
    ]

    operations = [
        migrations.RunPython(make_missing_visits, migrations.RunPython.noop),
    ]
