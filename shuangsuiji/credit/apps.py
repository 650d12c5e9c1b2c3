from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from shuangsuiji.draws.signals import basis_check, freeze_notes
from shuangsuiji.inspections.signals import risk_facts_recorded


class CreditConfig(AppConfig):
    name = "shuangsuiji.credit"
    label = "credit"
    verbose_name = _("Credit files")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the registry.
        from . import complaints, services

        risk_facts_recorded.connect(services.on_risk_facts_recorded,
                                    dispatch_uid="credit.risk_loop")
        freeze_notes.connect(complaints.on_freeze_notes, dispatch_uid="credit.many_complaints")
        basis_check.connect(complaints.on_basis_check, dispatch_uid="credit.complaint_checked")
