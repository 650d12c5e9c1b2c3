from django.urls import path

from . import views

app_name = "enforcement"

urlpatterns = [
    path("results/<int:pk>/documents/", views.inspection_documents,
         name="inspection_documents"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>.pdf", views.document_pdf, name="document_pdf"),
    path("numbering/", views.numbering, name="numbering"),
]
