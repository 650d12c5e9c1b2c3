from django.urls import path

from . import views

app_name = "field"
urlpatterns = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("phones/", views.phones, name="phones"),
    path("phones/<int:pk>/revoke/", views.phone_revoke, name="phone_revoke"),
]
