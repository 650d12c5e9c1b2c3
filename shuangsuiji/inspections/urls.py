from django.urls import include, path

from . import categories, views

app_name = "inspections"
urlpatterns = [
    path("mine/", views.my_tasks, name="mine"),
    path("tasks/<int:pk>/claim/", views.claim, name="claim"),
    path("tasks/<int:pk>/", views.task_progress, name="task"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/schedule/", views.visit_schedule, name="schedule"),
    path("visits/<int:pk>/inform/", views.visit_inform, name="inform"),
    path("results/<int:pk>/", views.result_edit, name="result"),
    path("results/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("results/<int:pk>/signature/", views.signature_add, name="signature"),
    path("results/<int:pk>/submit/", views.submit, name="submit"),
    path("results/<int:pk>/review/", views.review, name="review"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("signatures/<int:pk>/", views.signature_file, name="signature_file"),
    path("review/", views.review_queue, name="review_queue"),
    path("violation-categories/", categories.violation_categories,
         name="violation_categories"),
    # Printed documents and the public QR page (documents.py).
    path("", include("shuangsuiji.inspections.urls_documents")),
    # Follow-ups and overdue lists (followups.py).
    path("", include("shuangsuiji.inspections.urls_followups")),
]
