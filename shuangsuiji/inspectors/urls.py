from django.urls import path

from . import views

app_name = "inspectors"
urlpatterns = [path("", views.inspector_list, name="list"),
               path("conflicts/", views.conflict_list, name="conflicts")]
