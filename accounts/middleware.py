"""Everyone who can use the admin must protect their account with a second factor.

"Can use the admin" is Wagtail's `access_admin` permission, however it was given (a group, a
superuser, or the `is_staff` flag, which Wagtail's own user form never sets), so a role never
slips past the check. Every path under the admin is guarded, exports included: the admin is the
only staff surface (there is no Django admin).
"""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

ACCESS_ADMIN = "wagtailadmin.access_admin"


def can_use_admin(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.is_staff or user.has_perm(ACCESS_ADMIN))
    )


class AdminMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Resolved on first use: the URLconf is not loaded when middleware is built.
        self.admin_prefix = SimpleLazyObject(lambda: reverse("wagtailadmin_home"))
        self.open_paths = SimpleLazyObject(
            # Signing in and out must work before the second factor is set up.
            lambda: (reverse("wagtailadmin_login"), reverse("wagtailadmin_logout"))
        )

    def __call__(self, request):
        if (
            settings.STAFF_MFA_REQUIRED
            and request.path_info.startswith(str(self.admin_prefix))
            and request.path_info not in self.open_paths
            and can_use_admin(request.user)
            and not is_mfa_enabled(request.user)
        ):
            messages.info(
                request,
                "To keep people's information safe, set up an authenticator app before using "
                "the admin.",
            )
            next_url = request.get_full_path()
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_url})}")
        return self.get_response(request)
