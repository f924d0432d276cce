from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def admin_login(request):
    """Wagtail's own login form is replaced by allauth's (rate limits, verification, MFA)."""
    next_url = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


def admin_password_reset(request):
    """Wagtail's own password reset is off; anyone who follows an old link gets allauth's, which
    is rate limited and sends through the outbox."""
    return redirect("account_reset_password")
