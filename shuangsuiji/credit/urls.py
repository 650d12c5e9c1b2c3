from django.urls import path

from . import complaint_views, views

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
    path("complaints/", complaint_views.complaint_list, name="complaints"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/assign/", complaint_views.complaint_assign,
         name="complaint_assign"),
    path("complaints/<int:pk>/reply/", complaint_views.complaint_reply, name="complaint_reply"),
    path("complaints/<int:pk>/close/", complaint_views.complaint_close, name="complaint_close"),
    path("complaints/files/<int:pk>/", complaint_views.attachment_file,
         name="complaint_file"),
]
