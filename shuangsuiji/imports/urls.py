from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("items.xlsx", views.export_items, name="export_items"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/status.json", views.job_status, name="status"),
    path("<int:pk>/mapping/", views.job_remap, name="remap"),
    path("<int:pk>/commit/", views.job_commit, name="commit"),
    path("<int:pk>/cancel/", views.job_cancel, name="cancel"),
    path("<int:pk>/problems.<str:fmt>", views.job_problems, name="problems"),
]
