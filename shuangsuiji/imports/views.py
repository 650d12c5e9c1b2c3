"""Import pages: upload → check (progress) → preview and mapping → commit → summary.

Thin views: the services do the work (in the background, see tasks.py); every job is read
through selectors, so another organisation's job is a 404.
"""

import io
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.catalog.selectors import item_list
from shuangsuiji.core.web import paginate, require

from . import exports, reports, selectors, services
from .choices import RUNNING_STATUSES, ImportStatus
from .forms import CommitForm, MappingForm, UploadForm
from .models import ImportJob


@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.IMPORTS)
    services.expire_stuck_jobs()  # a job whose worker was killed shows as failed, not running
    can_upload = can(request.user, Domain.IMPORTS, Action.CHANGE)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        require(request.user, Domain.IMPORTS, Action.CHANGE)
        if form.is_valid():
            data = form.cleaned_data
            job = services.import_job_create(
                actor=request.user, kind=data["kind"], department=data["department"],
                upload=data["file"], original_name=data["file"].name, mode=data["mode"])
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/job_list.html", {
        "form": form, "can_upload": can_upload,
        "page": paginate(request, selectors.job_list(user=request.user)),
        "can_export_items": can(request.user, Domain.ITEMS)})


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    services.expire_stuck_jobs()
    job = selectors.job_get(user=request.user, pk=pk)
    context: dict[str, Any] = {"job": job, "running": job.status in RUNNING_STATUSES,
                               "file_issues": selectors.file_issues(job=job),
                               "issues": paginate(request, selectors.row_issues(job=job))}
    if job.status == ImportStatus.VALIDATED:
        context |= _preview_context(job)
    return render(request, "imports/job_detail.html", context)


def _preview_context(job: ImportJob, mapping: MappingForm | None = None) -> dict[str, Any]:
    spec = services.KINDS[job.kind]
    header_map = services.header_map_for(job)
    return {
        "mapping": mapping or MappingForm(headers=job.headers, header_map=header_map,
                                          columns=spec.columns),
        "commit_form": CommitForm(initial={"mode": job.mode}),
        "preview_headers": job.headers,
        "preview_rows": [(row[0], _padded(row[1:], len(job.headers)))
                         for row in job.preview],
        "can_commit": not job.file_problems and job.valid_rows > 0,
    }


def _padded(cells: list[Any], width: int) -> list[Any]:
    return (list(cells) + [""] * width)[:max(width, len(cells))]


@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """A few numbers for the progress bar (polled by progress.js)."""
    services.expire_stuck_jobs()  # the bar stops on a job whose worker was killed
    job = selectors.job_get(user=request.user, pk=pk)
    return JsonResponse({"status": job.status, "label": job.get_status_display(),
                         "progress": job.progress, "rows": job.processed_rows,
                         "running": job.status in RUNNING_STATUSES})


@require_POST
def job_remap(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, pk=pk, action=Action.CHANGE)
    if job.status != ImportStatus.VALIDATED:
        return redirect("imports:detail", pk=job.pk)
    spec = services.KINDS[job.kind]
    form = MappingForm(request.POST, headers=job.headers,
                       header_map=services.header_map_for(job), columns=spec.columns)
    if not form.is_valid():
        return render(request, "imports/job_detail.html", {
            "job": job, "running": False, "file_issues": selectors.file_issues(job=job),
            "issues": paginate(request, selectors.row_issues(job=job)),
            **_preview_context(job, form)}, status=400)
    services.import_job_remap(actor=request.user, job=job, column_map=form.column_map())
    messages.info(request, _("The file is being checked again with your column choices."))
    return redirect("imports:detail", pk=job.pk)


@require_POST
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what happens to rows with problems."))
        return redirect("imports:detail", pk=job.pk)
    try:
        services.import_job_request_commit(actor=request.user, job=job,
                                           mode=form.cleaned_data["mode"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=job.pk)


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, pk=pk, action=Action.CHANGE)
    try:
        services.import_job_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect("imports:detail", pk=job.pk)


@require_GET
def job_problems(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The rejected rows as CSV (streamed) or XLSX, named after the uploaded file."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    job = selectors.job_get(user=request.user, pk=pk)
    stem = job.original_name.rsplit(".", 1)[0]
    filename = _("{name} - problems").format(name=stem)
    if fmt == "csv":
        response = StreamingHttpResponse(reports.csv_lines(job),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _attachment(f"{filename}.csv")
        return response
    buffer = io.BytesIO()
    reports.write_xlsx(job, buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"{filename}.xlsx")


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


@require_GET
def export_items(request: HttpRequest) -> HttpResponse:
    """The item list the user may see, as an Excel file the item import reads back."""
    require(request.user, Domain.ITEMS)
    buffer = io.BytesIO()
    exports.items_xlsx(exports.items_for_export(item_list(user=request.user)),
                       buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=_("inspection items.xlsx"))
