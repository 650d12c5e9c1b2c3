from django.urls import path

from . import views

app_name = "inspectors"
urlpatterns = [
    path("", views.inspector_list, name="list"),
    path("new/", views.inspector_create, name="create"),
    path("<int:pk>/", views.inspector_detail, name="detail"),
    path("<int:pk>/edit/", views.inspector_edit, name="edit"),
    path("<int:pk>/status/", views.inspector_status, name="status"),
    path("<int:pk>/certificates/add/", views.certificate_add, name="certificate_add"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/new/", views.conflict_create, name="conflict_create"),
    path("conflicts/<int:pk>/revoke/", views.conflict_revoke, name="conflict_revoke"),
]
