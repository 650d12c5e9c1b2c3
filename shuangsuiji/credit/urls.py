from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.credit_file, name="file"),
    path("<int:pk>/complaints/add/", views.complaint_add, name="complaint_add"),
    path("<int:pk>/blacklist/add/", views.blacklist_add, name="blacklist_add"),
    path("<int:pk>/risk/", views.risk_set, name="risk_set"),
    path("blacklist/<int:pk>/remove/", views.blacklist_remove, name="blacklist_remove"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule"),
    path("import/", views.risk_import, name="import"),
    path("partners/", views.partners, name="partners"),
    path("partners/<int:pk>/revoke/", views.partner_revoke, name="partner_revoke"),
]
