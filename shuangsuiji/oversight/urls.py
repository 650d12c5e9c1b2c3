from django.urls import path

from . import city_views, evaluator, filing_views, views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("report/file/", filing_views.file_report, name="report_file"),
    path("filings/", filing_views.filing_list, name="filings"),
    path("filings/<int:pk>/report.pdf", filing_views.filing_pdf, name="filing_pdf"),
    path("filings/<int:pk>/receive/", filing_views.filing_receive, name="filing_receive"),
    path("city/", city_views.city, name="city"),
    path("city/records/", city_views.records, name="city_records"),
    path("city/criteria/", city_views.criteria, name="criteria"),
    path("city/report.xlsx", city_views.report_xlsx, name="city_report_xlsx"),
    path("city/report.pdf", city_views.report_pdf, name="city_report_pdf"),
    path("evaluation/", evaluator.home, name="evaluation"),
    path("evaluators/", evaluator.grants, name="grants"),
    path("evaluators/<int:pk>/revoke/", evaluator.revoke, name="grant_revoke"),
]
