from django.urls import path

from . import views

app_name = "entityportal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("credit-repair/<int:pk>/", views.repair, name="repair"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("office/", views.office_list, name="office_list"),
    path("office/<int:pk>/", views.office_detail, name="office_detail"),
    path("office/attachments/<int:pk>/", views.office_attachment, name="office_attachment"),
]
