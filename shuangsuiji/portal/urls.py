from django.urls import path

from . import complaint_views, views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("items/", views.item_list, name="items"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<str:code>/", views.task_detail, name="task"),
    path("tasks/<str:code>/record.json", views.task_record, name="task_record"),
    path("results/", views.result_list, name="results"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("entities/<str:code>/", views.entity_detail, name="entity"),
    path("verify/", views.verify, name="verify"),
    path("audit-anchors/", views.anchors, name="anchors"),
    path("keys/", views.keys, name="keys"),
    path("keys/office-sm2-public.pem", views.keys_pem, name="keys_pem"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/status/", complaint_views.complaint_status, name="complaint_status"),
]
