"""/api/v1/field/…, included by config/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("field/sessions/", api.SessionsView.as_view(), name="api-field-sessions"),
    path("field/sessions/<int:pk>/revoke/", api.RevokeView.as_view(),
         name="api-field-session-revoke"),
    path("field/day/", api.DayView.as_view(), name="api-field-day"),
    path("field/uploads/have/", api.HaveView.as_view(), name="api-field-have"),
    path("field/uploads/<str:sha256>/", api.UploadView.as_view(), name="api-field-upload"),
    path("field/sync/", api.SyncView.as_view(), name="api-field-sync"),
]
