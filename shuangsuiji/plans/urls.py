from django.urls import path

from . import views, views_proposals

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/propose/", views.plan_propose, name="propose"),
    path("<int:pk>/entries/new/", views.plan_entry_create, name="entry_create"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/filing/", views.plan_filing, name="filing"),
    path("joint-proposals/", views_proposals.proposal_list, name="proposal_list"),
    path("joint-proposals/new/", views_proposals.proposal_create, name="proposal_create"),
    path("joint-proposals/<int:pk>/", views_proposals.proposal_detail, name="proposal_detail"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/strata/", views.task_strata, name="task_strata"),
    path("tasks/<int:pk>/state/", views.task_advance, name="task_advance"),
    path("tasks/<int:pk>/departments/add/", views.task_participant, name="task_participant_add"),
    path("tasks/<int:pk>/departments/<int:department_id>/invitation/", views.task_invitation,
         name="task_invitation"),
    path("tasks/<int:pk>/departments/<int:department_id>/", views.task_participant,
         name="task_participant"),
    path("tasks/<int:pk>/departments/<int:department_id>/remove/",
         views.task_participant_remove, name="task_participant_remove"),
]
