"""The JSON API (v1). Each app registers its view sets from its own api.py."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from shuangsuiji.accounts import api as accounts_api
from shuangsuiji.auditlog import api as audit_api
from shuangsuiji.catalog import api as catalog_api
from shuangsuiji.core import api as core_api
from shuangsuiji.credit import api as credit_api
from shuangsuiji.draws import api as draws_api
from shuangsuiji.entities import api as entities_api
from shuangsuiji.exchange import api as exchange_api
from shuangsuiji.field import api_urls as field_api_urls
from shuangsuiji.imports import api as imports_api
from shuangsuiji.inspections import api as inspections_api
from shuangsuiji.inspectors import api as inspectors_api
from shuangsuiji.plans import api as plans_api
from shuangsuiji.portal import api as portal_api
from shuangsuiji.publication import api as publication_api

router = DefaultRouter()
# draws adds the draw's actions under /tasks/; plans comes after it so that the API root's
# `tasks` link is the task list.
for module in (accounts_api, catalog_api, entities_api, inspectors_api, imports_api, draws_api,
               plans_api, inspections_api, audit_api, credit_api, publication_api,
               portal_api, exchange_api):
    module.register(router)

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    *field_api_urls.urlpatterns,  # the phone's key, day pack, files and sync
    *router.urls,
    re_path(r"", core_api.not_found),
]
