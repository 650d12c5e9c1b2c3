"""The printed documents of a visit; the public 扫码入企 page is at /v/<token>/ (config/urls)."""

from django.urls import path

from . import documents

urlpatterns = [
    path("visits/<int:pk>/checklist/", documents.checklist, name="checklist"),
    path("visits/<int:pk>/checklist.pdf", documents.checklist_pdf, name="checklist_pdf"),
    path("visits/<int:pk>/notice/", documents.notice, name="notice"),
    path("visits/<int:pk>/notice.pdf", documents.notice_pdf, name="notice_pdf"),
]
