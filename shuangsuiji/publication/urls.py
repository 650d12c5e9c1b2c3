from django.urls import path

from . import views

app_name = "publication"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("publish/", views.publish, name="publish"),
    path("published/", views.published_list, name="published"),
    path("published/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("results/<int:pk>/redaction/", views.redaction, name="redaction"),
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/signature/", views.export_signature, name="export_signature"),
]
