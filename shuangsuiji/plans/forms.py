"""Forms of the yearly plan and task pages. Saving goes through plans.services."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, is_admin, organisation_id
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.i18n import reason
from shuangsuiji.core.web import departments_in_scope
from shuangsuiji.draws.pool import UNCLASSIFIED
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.rules.draw.sizes import InvalidRule, StratumRule

from .choices import TaskState
from .models import AnnualPlan, InspectionTask, PlanEntry
from .services import checklist_items

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MULTI = forms.SelectMultiple(attrs={"size": 8})
STRATUM_LABELS = [*((c.value, c.label) for c in RiskClass),
                  (UNCLASSIFIED, _("Not yet classified"))]
_SPLIT = re.compile(r"[\s,，;；、]+")


def items_for(organisation_id: int | None) -> QuerySet[InspectionItem]:
    """An organisation's own items in force, and every published item of the others ("1+X")."""
    items = InspectionItem.objects.filter(is_active=True).select_related("department")
    if organisation_id is None:
        return items.order_by("department__code", "code")
    return items.filter(Q(department__root_id=organisation_id) | Q(is_published=True)).order_by(
        "department__code", "code")


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: InspectionItem) -> str:
        return f"{obj.code} {obj.matter} · {obj.department}"

    def group_by_organisation(self) -> None:
        """Show the items under their organisation's name (the queryset still validates)."""
        groups: dict[str, list[tuple[int, str]]] = {}
        for item in self.queryset.select_related("department__root"):
            org = item.department.root or item.department
            groups.setdefault(org.name, []).append((item.pk, self.label_from_instance(item)))
        self.choices = list(groups.items())


def _check_ratio(form: forms.Form, field: str) -> str:
    ratio = (form.cleaned_data.get(field) or "").strip()
    if ratio:
        try:
            StratumRule(ratio=ratio)
        except InvalidRule as exc:
            raise ValidationError(reason(exc)) from exc
    return ratio


def _check_period(form: forms.Form, start_field: str, end_field: str) -> None:
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, _("The end of the period is before its start."))


# -- Yearly plans --------------------------------------------------------------------------------

class PlanForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Office"), queryset=Department.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    leading_section = forms.ModelChoiceField(label=_("Leading section"), required=False,
                                             queryset=Department.objects.none(),
                                             help_text=_("E.g. 工程科, which leads this work."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_in_scope(user, Domain.PLANS, Action.CHANGE)
        if is_admin(user):
            self.fields["organisation"].queryset = departments.filter(parent__isnull=True)
        else:
            del self.fields["organisation"]
        self.fields["leading_section"].queryset = departments.filter(kind=DepartmentKind.SECTION)


class ProposalForm(forms.Form):
    section = forms.ModelChoiceField(label=_("Section"), queryset=Department.objects.none())
    items = ItemChoiceField(label=_("Items to inspect"), required=False,
                            queryset=InspectionItem.objects.none(), widget=MULTI,
                            help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."))
    text = forms.CharField(label=_("Proposal"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("What to inspect, when, how many, and with whom."))

    def __init__(self, *args: Any, user: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = organisation_id(plan.organisation)
        sections = Department.objects.filter(root_id=org, is_active=True).order_by("code")
        if getattr(user, "role", None) == Role.SECTION and not is_admin(user):
            # A business section proposes for itself only.
            sections = sections.filter(pk=user.department_id)
            self.fields["section"].initial = user.department_id
            self.fields["section"].empty_label = None
        self.fields["section"].queryset = sections
        self.fields["items"].queryset = InspectionItem.objects.filter(
            department__root_id=org, is_active=True).select_related("department").order_by(
            "code")


class EntryForm(forms.Form):
    """The choices shown are those plans.services.plan_add_entry accepts; it checks them."""

    name = forms.CharField(label=_("Name"), max_length=200)
    items = ItemChoiceField(label=_("Items (1+X: one visit covers them all)"),
                            queryset=InspectionItem.objects.none(), widget=MULTI)
    is_joint = forms.BooleanField(label=_("Joint with other departments (部门联合)"),
                                  required=False)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participating departments"), required=False, widget=MULTI,
        queryset=Department.objects.none())
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False,
                            help_text=_("E.g. 第一批 or 二季度."))
    starts_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("To"), required=False, widget=DATE)
    ratio = forms.CharField(label=_("Sampling ratio (%)"), max_length=10, required=False,
                            help_text=_("A decimal percentage, e.g. 15 or 2.5."))

    def __init__(self, *args: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items_for(organisation_id(plan.organisation))
        self.fields["items"].group_by_organisation()
        self.fields["participants"].queryset = Department.objects.filter(
            is_active=True).order_by("kind", "code")


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("approved", "approved"), ("published", "published")])


# -- Tasks ---------------------------------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.strip()) if t]


class TaskForm(forms.ModelForm):
    """The task sheet (抽查任务单) and the pool's filters; participants are set separately."""

    filter_regions = forms.CharField(
        label=_("Regions (code prefixes)"), required=False, max_length=500,
        help_text=_("Administrative division codes or their prefixes, e.g. 1405 or 140502; "
                    "separate with spaces or commas. Blank: the whole directory."))
    filter_industries = forms.CharField(
        label=_("Industries (code prefixes)"), required=False, max_length=500,
        help_text=_("GB/T 4754 codes or prefixes, e.g. B or E48. Blank: every industry."))
    filter_entity_types = forms.CharField(
        label=_("Market entity types"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, exactly as in the directory. Blank: every type."))

    class Meta:
        model = InspectionTask
        fields = ["code", "name", "plan_entry", "initiating", "period_start", "period_end",
                  "ratio", "stratification", "verification", "verification_reason",
                  "filter_regions", "filter_industries",
                  "filter_entity_types", "lookback_days", "method_text",
                  "requirements_text"]
        widgets = {"period_start": DATE, "period_end": DATE,
                   "method_text": forms.Textarea(attrs={"rows": 7}),
                   "verification_reason": forms.Textarea(attrs={"rows": 2}),
                   "requirements_text": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_in_scope(user, Domain.TASKS, Action.CHANGE)
        if self.instance.pk:
            # The initiating department heads the participants: it is fixed at creation.
            del self.fields["initiating"]
            for name in ("filter_regions", "filter_industries"):
                self.initial[name] = " ".join(getattr(self.instance, name))
            self.initial["filter_entity_types"] = "\n".join(self.instance.filter_entity_types)
        else:
            self.fields["initiating"].queryset = departments
            roots = departments.filter(parent__isnull=True)
            if roots.count() == 1:
                self.fields["initiating"].initial = roots.get()
        orgs = departments.values("root_id")
        self.fields["plan_entry"].queryset = (
            PlanEntry.objects.filter(plan__organisation__root_id__in=orgs)
            .exclude(plan__status="draft").select_related("plan").order_by("-plan__year", "id"))
        self.fields["plan_entry"].required = False
        self.fields["plan_entry"].label_from_instance = (
            lambda entry: f"{entry.plan.year} · {entry.plan.title} · {entry.name}")

    def clean_filter_regions(self) -> list[str]:
        codes = _tokens(self.cleaned_data["filter_regions"])
        bad = [c for c in codes if not c.isdigit() or len(c) > 12]
        if bad:
            raise ValidationError(_("Not a region code or prefix: {codes}.").format(
                codes=", ".join(bad)))
        return codes

    def clean_filter_industries(self) -> list[str]:
        codes = [c.upper() for c in _tokens(self.cleaned_data["filter_industries"])]
        bad = [c for c in codes if not re.fullmatch(r"[A-T]\d{0,4}", c)]
        if bad:
            raise ValidationError(_("Not an industry code or prefix (a letter A–T and up to "
                                    "four digits): {codes}.").format(codes=", ".join(bad)))
        return codes

    def clean_filter_entity_types(self) -> list[str]:
        lines = self.cleaned_data["filter_entity_types"].splitlines()
        return [line.strip() for line in lines if line.strip()]

    def clean_ratio(self) -> str:
        return _check_ratio(self, "ratio")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_period(self, "period_start", "period_end")
        return cleaned


class ItemChecklist(forms.CheckboxSelectMultiple):
    """Checkboxes grouped by 抽查类别, each item with its code and 重点/一般, and a filter box
    that item_picker.js shows (without JavaScript the groups are plain checkboxes)."""

    template_name = "plans/widgets/item_checklist.html"

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None
                  ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for _group, options, _index in super().optgroups(name, value, attrs):
            for option in options:
                item = getattr(option["value"], "instance", None)
                option["item"] = item
                groups.setdefault(item.category if item else "", []).append(option)
        return [(category, options, index)
                for index, (category, options) in enumerate(groups.items())]


class ParticipantForm(forms.Form):
    """A department taking part: its own checklist items (检查单) and its group size.

    The items offered are plans.services.checklist_items of the department (its own
    organisation's, published, in force); the field accepts any item so that the service's
    check_checklist, not a generic "invalid choice", says why another one is refused. A new
    department is chosen first (?department=), since the items offered depend on it."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    items = forms.ModelMultipleChoiceField(
        label=_("Checklist items"), queryset=InspectionItem.objects.none(),
        widget=ItemChecklist,
        help_text=_("Published items of the department's own organisation, by inspection "
                    "category."))
    officers = forms.IntegerField(label=_("Officers per group"), min_value=2, max_value=20,
                                  initial=2,
                                  help_text=_("Certified law-enforcement officers: at least 2."))
    experts = forms.IntegerField(label=_("Experts per group"), min_value=0, max_value=20,
                                 initial=0)

    def __init__(self, *args: Any, task: InspectionTask, fixed: Department | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        if fixed is not None:
            field.queryset = Department.objects.filter(pk=fixed.pk)
            field.initial = fixed.pk
            field.empty_label = None
            field.disabled = True
            self.chosen: Department | None = fixed
        else:
            taken = task.participants.values("department_id")
            field.queryset = (Department.objects.filter(is_active=True)
                              .exclude(pk__in=taken).order_by("kind", "code"))
            raw = str((self.data if self.is_bound else self.initial).get("department") or "")
            self.chosen = field.queryset.filter(pk=raw).first() if raw.isdigit() else None
        offered = (checklist_items(self.chosen).select_related("department")
                   .order_by("category", "code") if self.chosen
                   else InspectionItem.objects.none())
        items = self.fields["items"]
        items.queryset = InspectionItem.objects.all()
        # The widget shows the offered items only; the field cleans against all of them.
        items.widget.choices = forms.ModelMultipleChoiceField(queryset=offered).choices


class InvitationForm(ParticipantForm):
    """An invited department's answer: accept with its own items and group size, or decline
    saying why (plans.services.task_answer_invitation)."""

    accept = forms.TypedChoiceField(
        label=_("Answer"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Accept: my department takes part")), ("no", _("Decline"))],
        initial="yes")
    answer_note = forms.CharField(label=_("Note (required when declining)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["accept", "department", "items", "officers", "experts", "answer_note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.data.get("accept") == "no":  # declining needs no items
            for name in ("items", "officers", "experts"):
                self.fields[name].required = False


class StrataForm(forms.Form):
    """One rule per credit-risk class: a ratio or a fixed count; blank uses the task's ratio."""

    def __init__(self, *args: Any, task: InspectionTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {s.label: s for s in task.strata.all()}
        for label, name in STRATUM_LABELS:
            rule = current.get(label)
            ratio_label = _("{stratum}: ratio (%)").format(stratum=name)
            count_label = _("{stratum}: count").format(stratum=name)
            self.fields[f"{label}_ratio"] = forms.CharField(
                label=ratio_label, required=False, max_length=10,
                initial=rule.ratio if rule else "",
                widget=forms.TextInput(attrs={"aria-label": ratio_label, "inputmode": "decimal"}))
            self.fields[f"{label}_count"] = forms.IntegerField(
                label=count_label, required=False, min_value=0,
                initial=rule.count if rule else None,
                widget=forms.NumberInput(attrs={"aria-label": count_label}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for label, _name in STRATUM_LABELS:
            ratio = (cleaned.get(f"{label}_ratio") or "").strip()
            count = cleaned.get(f"{label}_count")
            if ratio and count is not None:
                self.add_error(f"{label}_count", _("Give a ratio or a count, not both."))
            elif ratio:
                try:
                    StratumRule(ratio=ratio)
                except InvalidRule as exc:
                    self.add_error(f"{label}_ratio", reason(exc))
        return cleaned

    def rules(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for label, _name in STRATUM_LABELS:
            ratio = (self.cleaned_data.get(f"{label}_ratio") or "").strip()
            count = self.cleaned_data.get(f"{label}_count")
            if ratio:
                out[label] = {"ratio": ratio}
            elif count is not None:
                out[label] = {"count": count}
        return out

    def pairs(self) -> list[tuple[str, Any, Any]]:
        """(name, ratio field, count field) per stratum, for the template's table."""
        return [(name, self[f"{label}_ratio"], self[f"{label}_count"])
                for label, name in STRATUM_LABELS]


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("code or name")}))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All")), *TaskState.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

