"""Pages of the city's joint task proposals (联合抽查建议): the list, the city's form, and
the lead office's answer."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.core.web import add_service_errors

from . import proposals
from .forms_proposals import DeclineForm, JointProposalForm, TakeUpForm


@require_http_methods(["GET"])
def proposal_list(request: HttpRequest) -> HttpResponse:
    if not proposals.may_list(request.user):
        raise PermissionDenied
    return render(request, "plans/proposal_list.html", {
        "proposals": proposals.proposals_for(request.user),
        "can_propose": proposals.may_propose(request.user)})


@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    if not proposals.may_propose(request.user):
        raise PermissionDenied
    form = JointProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = proposals.joint_proposal_create(
                actor=request.user, title=data["title"], lead_id=data["lead"].pk,
                participant_ids=[d.pk for d in data["participants"]],
                period_start=data["period_start"], period_end=data["period_end"],
                scope=data["scope"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The proposal is sent to {lead}.").format(
                lead=proposal.lead.name))
            return redirect("plans:proposal_detail", pk=proposal.pk)
    return render(request, "plans/proposal_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(proposals.proposals_for(request.user), pk=pk)
    answering = proposals.may_answer(request.user, proposal)
    take_up = TakeUpForm(request.POST if request.POST.get("step") == "take_up" else None,
                         prefix="take")
    decline = DeclineForm(request.POST if request.POST.get("step") == "decline" else None,
                          prefix="decline")
    if request.method == "POST":
        if not answering:
            raise PermissionDenied
        try:
            if take_up.is_bound and take_up.is_valid():
                task = proposals.joint_proposal_take_up(
                    actor=request.user, proposal=proposal, code=take_up.cleaned_data["code"])
                messages.success(request, _("Task {code} is drafted; the departments are "
                                            "invited.").format(code=task.code))
                return redirect("plans:task_detail", pk=task.pk)
            if decline.is_bound and decline.is_valid():
                proposals.joint_proposal_decline(actor=request.user, proposal=proposal,
                                                 reason=decline.cleaned_data["reason"])
                messages.success(request, _("The proposal is declined."))
                return redirect("plans:proposal_detail", pk=proposal.pk)
        except ValidationError as exc:
            add_service_errors(take_up if take_up.is_bound else decline, exc)
    return render(request, "plans/proposal_detail.html", {
        "proposal": proposal, "answering": answering, "take_up": take_up,
        "decline": decline})
