from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from core.personal_data import NotAnAddress, export_person

from . import services
from .services import reasons_not_to_delete


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


@login_required
@require_GET
def your_account(request):
    """What a person can do with their own account: download everything the site holds for
    their address, and delete the account."""
    return render(
        request,
        "accounts/your_account.html",
        {"reasons": reasons_not_to_delete(request.user), "staff": request.user.is_staff},
    )


@login_required
@require_GET
def download_your_data(request):
    """Everything every app holds for the account's (verified) address, as one JSON file."""
    try:
        document = export_person(request.user.email)
    except NotAnAddress:
        document = {"address": request.user.email, "sections": {}}
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="your-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.delete_account(user=request.user)
        except services.AccountError as refused:
            messages.error(request, str(refused))
            return redirect("account_yours")
        logout(request)
        messages.success(request, "Your account is deleted.")
        return redirect("/")
    context = {"reasons": reasons_not_to_delete(request.user), "staff": request.user.is_staff}
    return render(request, "accounts/delete_account.html", context)
