from django.urls import path

from . import views

app_name = "draws"
urlpatterns = [
    path("mine/", views.my_tasks, name="mine"),
    path("non-random/new/", views.nonrandom_new, name="nonrandom_new"),
    path("tasks/<int:pk>/freeze/", views.task_freeze, name="freeze"),
    path("tasks/<int:pk>/ceremony/", views.ceremony, name="ceremony"),
    path("tasks/<int:pk>/jobs/<int:job>/", views.job, name="job"),
    path("tasks/<int:pk>/jobs/<int:job>/status/", views.job_status, name="job_status"),
    path("tasks/<int:pk>/", views.result, name="result"),
    path("tasks/<int:pk>/replace/", views.replace, name="replace"),
    path("tasks/<int:pk>/record.json", views.record_json, name="record_json"),
    path("tasks/<int:pk>/public-record.json", views.public_json, name="public_json"),
    path("tasks/<int:pk>/record/", views.record_print, name="print"),
    path("tasks/<int:pk>/record.pdf", views.record_pdf, name="pdf"),
]
