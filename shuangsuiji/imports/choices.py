from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    TARGETS = "targets", _("Targets (licence data)")
    INSPECTORS = "inspectors", _("Inspectors")
    ITEMS = "items", _("Inspection items")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All or nothing")
    VALID_ROWS = "valid", _("Import the valid rows")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked, waiting for confirmation")
    COMMITTING = "committing", _("Importing")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Nothing imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which a background task is working on the job (the page polls for progress).
RUNNING_STATUSES = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING)
# Statuses after which nothing more happens to the job.
FINAL_STATUSES = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED,
                  ImportStatus.CANCELLED)
