from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from core import views as core_views
from core.admin_urls import guard_admin_urls
from home import views as home_views

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", core_views.sitemap_xml, name="sitemap"),
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/password_reset/", account_views.admin_password_reset),
    # Wagtail's admin, with the checks its own views leave out (see core/admin_urls.py).
    path("admin/", include(guard_admin_urls(wagtailadmin_urls.urlpatterns))),
    path("accounts/yours/", account_views.your_account, name="account_yours"),
    path("accounts/yours/data.json", account_views.download_your_data, name="account_data"),
    path("accounts/yours/delete/", account_views.delete_account, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", home_views.search, name="search"),
    path("pledges/", include("pledges.urls")),
    path("employers/", include("employers.urls")),
    path("organisations/", include("organisations.urls")),
]

if settings.SERVE_MEDIA:
    from django.views.static import serve

    # Small deployments serve uploaded images from Django; larger ones put media on a CDN.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

urlpatterns += [path("", include(wagtail_urls))]
