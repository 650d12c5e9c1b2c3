from csp.decorators import csp_replace
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from shuangsuiji.accounts.oidc import AuthenticateView, CallbackView, SignOutView
from shuangsuiji.accounts.views import SignInView
from shuangsuiji.inspections.documents import visit_public

from . import city, health, metrics
from .views import home

# Redoc's bundle styles itself with inline <style> elements and runs its search in a worker
# made from a blob: the one page whose policy allows them. Still nothing from outside.
REDOC_POLICY = csp_replace({"style-src": ["'self'", "'unsafe-inline'"],
                            "worker-src": ["'self'", "blob:"], "font-src": ["'self'", "data:"]})

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("login/", SignInView.as_view(), name="login"),
    path("oidc/authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("account/", include("shuangsuiji.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("v/<slug:token>/", visit_public, name="visit_public"),  # 扫码入企, public
    path("audit/", include("shuangsuiji.auditlog.urls")),
    path("items/", include("shuangsuiji.catalog.urls")),
    path("targets/", include("shuangsuiji.entities.urls")),
    path("inspectors/", include("shuangsuiji.inspectors.urls")),
    path("imports/", include("shuangsuiji.imports.urls")),
    path("plans/", include("shuangsuiji.plans.urls")),
    path("draws/", include("shuangsuiji.draws.urls")),
    path("calendar/", include("shuangsuiji.workdays.urls")),
    path("inspections/", include("shuangsuiji.inspections.urls")),
    path("enforcement/", include("shuangsuiji.enforcement.urls")),
    path("publication/", include("shuangsuiji.publication.urls")),
    path("credit/", include("shuangsuiji.credit.urls")),
    path("public/", include("shuangsuiji.portal.urls")),
    path("oversight/", include("shuangsuiji.oversight.urls")),
    path("city/entities/", city.entity_list, name="city_entities"),
    path("city/entities/<str:code>/", city.entity_detail, name="city_entity"),
    path("notices/", include("shuangsuiji.notices.urls")),
    path("exchange/", include("shuangsuiji.exchange.urls")),
    path("field/", include("shuangsuiji.field.urls")),
    path("entity/", include("shuangsuiji.entityportal.urls")),
    path("api/v1/", include("shuangsuiji.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", REDOC_POLICY(SpectacularRedocView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("admin/", admin.site.urls),
]
