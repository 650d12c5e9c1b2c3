from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.deliveries, name="deliveries"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("supervision/", views.supervision_export, name="supervision_export"),
    path("supervision/<int:pk>/", views.supervision_download, name="supervision_download"),
]
