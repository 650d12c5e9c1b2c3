"""Follow-ups (后续处置) and the overdue lists; included by inspections/urls.py (no namespace of
its own: the names are "inspections:followups" and so on)."""

from django.urls import path

from . import followups

urlpatterns = [
    path("results/<int:pk>/follow-ups/new/", followups.followup_new, name="followup_new"),
    path("follow-ups/", followups.followup_list, name="followups"),
    path("follow-ups/<int:pk>/", followups.followup_detail, name="followup"),
    path("follow-ups/<int:pk>/re-check/", followups.followup_recheck, name="followup_recheck"),
    path("follow-ups/<int:pk>/penalty/", followups.followup_penalty, name="followup_penalty"),
    path("follow-ups/<int:pk>/close/", followups.followup_close, name="followup_close"),
    path("overdue/", followups.overdue, name="overdue"),
]
