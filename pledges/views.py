"""Thin views over the pledge services. Links in emails open a page with a button; only the
POST changes anything (mail scanners follow GET links)."""

from urllib.parse import urlparse

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.middleware import mark_public

from . import privacy, services
from .counters import get_counters
from .tokens import make_token, read_token


def same_origin(request) -> bool:
    """The pledge form has no CSRF token (so its page can be cached for everyone); a browser's
    Origin header still tells us whether the POST came from our own page."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    return urlparse(origin).netloc == request.get_host()


def pledge_form(request, page):
    form_class = page.form_class()
    if request.method == "POST":
        if not same_origin(request):
            return render(request, "pledges/form_expired.html", {"page": page}, status=403)
        form = form_class(request.POST, kind=page.kind)
        if form.is_valid():
            services.make_pledge(details=form.details(), privacy_version=page.privacy_version)
            return HttpResponseRedirect(page.url + page.reverse_subpage("check_email"))
        response = render(request, "pledges/pledge_page.html", {"page": page, "form": form})
        response.status_code = 400
        return response
    form = form_class(kind=page.kind)
    response = render(request, "pledges/pledge_page.html", {"page": page, "form": form})
    return mark_public(response)


@csrf_exempt  # the signed token in the URL is the credential; there is no session to forge
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    pledge = read_token(token, "confirm")
    if pledge is None:
        raise Http404
    if request.method == "POST":
        services.confirm_pledge(pledge=pledge)
        return HttpResponseRedirect(reverse("pledges:thanks", args=[make_token(pledge, "manage")]))
    return render(request, "pledges/confirm.html", {"pledge": pledge, "token": token})


@require_http_methods(["GET"])
def thanks(request, token):
    pledge = read_token(token, "manage")
    if pledge is None or not pledge.is_confirmed:
        raise Http404
    return render(
        request,
        "pledges/thanks.html",
        {"pledge": pledge, "manage_token": token, "counters": get_counters()},
    )


@csrf_exempt  # RFC 8058: mail clients POST here without cookies; the token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    pledge = read_token(token, "unsubscribe")
    if pledge is None:
        raise Http404
    if request.method == "POST":
        privacy.stop_emails(pledge=pledge)
        return render(request, "pledges/unsubscribed.html", {"pledge": pledge})
    return render(request, "pledges/unsubscribe.html", {"pledge": pledge, "token": token})


@csrf_exempt  # the signed token in the URL is the credential; there is no session to forge
@require_http_methods(["GET", "POST"])
def manage(request, token):
    pledge = read_token(token, "manage")
    if pledge is None:
        raise Http404
    message = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete":
            privacy.erase_pledge(pledge=pledge)
            return render(request, "pledges/deleted.html")
        if action == "visibility":
            services.set_visibility(pledge=pledge, show_on_wall=request.POST.get("show") == "yes")
            message = "Your choice has been saved."
        elif action == "stop_emails":
            privacy.stop_emails(pledge=pledge)
            message = "You will get no more emails from us."
        else:
            return render(
                request, "pledges/manage.html", {"pledge": pledge, "token": token}, status=400
            )
    return render(
        request, "pledges/manage.html", {"pledge": pledge, "token": token, "message": message}
    )


@require_http_methods(["GET"])
def download_data(request, token):
    pledge = read_token(token, "manage")
    if pledge is None:
        raise Http404
    response = JsonResponse(privacy.export_data(pledge), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-pledge.json"'
    return response
