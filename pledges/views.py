"""Thin views over the pledge services. Links in emails open a page with a button; only the
POST changes anything (mail scanners follow GET links)."""

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.abuse import client_ip, verify_work
from core.campaign import campaign_settings
from core.content import remembered
from core.middleware import mark_public
from core.origin import is_cross_site

from . import abuse, services
from .models import PledgePage
from .selectors import wall
from .selectors.counters import get_counters
from .selectors.pages import live_pledge_pages
from .selectors.pledge_settings import pledge_settings
from .services import privacy
from .share_card import share_card_png
from .tokens import make_token, with_pledge


def pledge_form(request, page):
    form_class = page.form_class()
    if request.method == "POST":
        if is_cross_site(request):
            return render(request, "pledges/form_expired.html", {"page": page}, status=403)
        form = form_class(request.POST, kind=page.kind)
        if form.is_valid():
            limited = abuse.check_pledge_rate(
                ip=client_ip(request),
                email=form.cleaned_data["email"],
                solved_work=verify_work(
                    challenge=form.cleaned_data["pow_challenge"],
                    nonce=form.cleaned_data["pow_nonce"],
                ),
            )
            if limited:
                form.add_error(None, limited.message)
                response = render(request, "pledges/pledge_page.html", {"page": page, "form": form})
                response.status_code = 429
                response["Retry-After"] = str(limited.retry_after)
                return response
            services.make_pledge(details=form.details(), privacy_version=page.privacy_version)
            return HttpResponseRedirect(check_email_url(page))
        response = render(request, "pledges/pledge_page.html", {"page": page, "form": form})
        response.status_code = 400
        return response
    form = form_class(kind=page.kind)
    response = render(request, "pledges/pledge_page.html", {"page": page, "form": form})
    return mark_public(response)


# The form page is cached for everyone, so it carries no CSRF token; the cross-site check
# (core.origin), the rate limits and the proof of work protect this POST instead (there is no
# session to ride on).
@csrf_exempt
@require_http_methods(["POST"])
def submit(request, page_id):
    page = live_pledge_pages().get(page_id)
    if page is None:
        raise Http404
    return pledge_form(request, page)


def check_email_url(page: PledgePage) -> str:
    return remembered(
        f"pledges:check_email_url:{page.pk}",
        lambda: page.url + page.reverse_subpage("check_email"),
    )


@csrf_exempt  # the signed token in the URL is the credential; there is no session to forge
@require_http_methods(["GET", "POST"])
@with_pledge("confirm")
def confirm(request, pledge, token):
    if request.method == "POST":
        services.confirm_pledge(pledge=pledge)
        return HttpResponseRedirect(reverse("pledges:thanks", args=[make_token(pledge, "manage")]))
    return render(request, "pledges/confirm.html", {"pledge": pledge, "token": token})


@require_http_methods(["GET"])
@with_pledge("manage")
def thanks(request, pledge, token):
    if not pledge.is_confirmed:
        raise Http404
    return render(
        request,
        "pledges/thanks.html",
        {
            "pledge": pledge,
            "manage_token": token,
            "counters": get_counters(),
            "public_url": wall.public_url(pledge=pledge),
            "pledge_settings": pledge_settings(request),
        },
    )


@csrf_exempt  # RFC 8058: mail clients POST here without cookies; the token is the credential
@require_http_methods(["GET", "POST"])
@with_pledge("unsubscribe")
def unsubscribe(request, pledge, token):
    if request.method == "POST":
        privacy.stop_emails(pledge=pledge)
        return render(request, "pledges/unsubscribed.html", {"pledge": pledge})
    return render(request, "pledges/unsubscribe.html", {"pledge": pledge, "token": token})


@csrf_exempt  # the signed token in the URL is the credential; there is no session to forge
@require_http_methods(["GET", "POST"])
@with_pledge("manage")
def manage(request, pledge, token):
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
        elif action == "outcome" and request.POST.get("outcome") in services.OUTCOME_ANSWERS:
            services.record_outcome(pledge=pledge, outcome=request.POST["outcome"])
            message = "Thank you. Your answer has been saved."
        else:
            return render(
                request, "pledges/manage.html", {"pledge": pledge, "token": token}, status=400
            )
    return render(
        request, "pledges/manage.html", {"pledge": pledge, "token": token, "message": message}
    )


@require_http_methods(["GET"])
@with_pledge("manage")
def download_data(request, pledge, token):
    # This pledge, then everything held for its address across the site (core.personal_data).
    response = JsonResponse(privacy.export_for_manage_link(pledge), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-pledge.json"'
    return response


@csrf_exempt  # the signed token in the URL is the credential; there is no session to forge
@require_http_methods(["GET", "POST"])
@with_pledge("outcome")
def outcome(request, pledge, token, answer):
    """One-click answers from the "did you do it?" email: GET shows the answer and a button,
    only the POST records it."""
    if answer not in services.OUTCOME_ANSWERS:
        raise Http404
    context = {
        "pledge": pledge,
        "token": token,
        "answer": answer,
        "answer_label": pledge.Outcome(answer).label,
        "other_answers": [a for a in services.OUTCOME_ANSWERS if a != answer],
    }
    if request.method == "POST":
        services.record_outcome(pledge=pledge, outcome=answer)
        context["manage_token"] = make_token(pledge, "manage")
        return render(request, "pledges/outcome_saved.html", context)
    return render(request, "pledges/outcome.html", context)


@require_http_methods(["GET"])
def public_pledge(request, pledge_id):
    """A pledge's own page, for sharing: only pledges on the wall have one."""
    pledge = wall.on_wall_pledge(pledge_id=pledge_id)
    if pledge is None:
        raise Http404
    return mark_public(
        render(request, "pledges/pledge_public.html", wall.public_pledge_context(pledge=pledge))
    )


@require_http_methods(["GET"])
def share_card(request, pledge_id):
    """The pledge's share card (PNG) for Open Graph and Twitter cards."""
    pledge = wall.on_wall_pledge(pledge_id=pledge_id)
    if pledge is None:
        raise Http404
    campaign = campaign_settings(request)
    png = share_card_png(
        pledge=pledge, campaign_name=campaign.campaign_name, hashtag=campaign.hashtag
    )
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="pledge-{pledge.pk}.png"'
    return mark_public(response)
