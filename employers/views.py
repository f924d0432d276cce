"""The workplace pledge's pages. Public: the listing of employers who have pledged, each one's
page, its badge and the badge's verification. For an organisation's members: starting the
pledge, choosing commitments and actions, signing, sending it for review, progress, the badge
and withdrawal. Views stay thin: they read the request, call one service, and answer."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.campaign import campaign_settings
from core.middleware import mark_public
from organisations.access import member_required
from organisations.forms import OrganisationForm
from organisations.models import Organisation, Role

from . import badge as badges
from .forms import (
    ActionForm,
    CommitmentsForm,
    EmployerProfileForm,
    ListingFilterForm,
    OwnCommitmentForm,
    ProgressForm,
    SelfReviewForm,
    SignatoryForm,
)
from .models import Employer, PlanItem, SubmissionKind
from .selectors import listing as listing_selectors
from .selectors.plans import items_with_updates, missing_for_submission, plan_items
from .selectors.settings import employer_settings
from .selectors.standing import standing_of
from .services import planning, profiles, progress, withdrawal
from .services.errors import EmployerError

BADGE_CACHE_SECONDS = 3600


def _forms(*forms) -> dict:
    """What a page's one error summary needs (employers/includes/error_summary.html)."""
    present = [form for form in forms if form is not None]
    return {"all_forms": present, "has_errors": any(form.errors for form in present)}


# --- Public pages -------------------------------------------------------------------------------


@require_GET
def listing(request):
    form = ListingFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "employers/listing.html", {"form": form}, status=400)
    filters = listing_selectors.Filters(
        sector=form.cleaned_data["sector"],
        size_band=form.cleaned_data["size"],
        area=form.cleaned_data["area"],
    )
    after = request.GET.get("after")
    if after is not None and not after.isdigit():
        raise Http404
    page = listing_selectors.listing_page(filters, after=int(after) if after else None)
    if page is None:
        raise Http404
    used = {
        name: request.GET[name]
        for name in ("sector", "size", "area", "after")
        if request.GET.get(name)
    }
    query = {name: value for name, value in used.items() if name != "after"}
    context = {
        "form": form,
        "listing": page,
        "filtered": bool(query),
        "query": query,
        "employer_settings": employer_settings(request),
    }
    return mark_public(render(request, "employers/listing.html", context), params=used)


@require_GET
def employer_page(request, slug):
    employer = listing_selectors.listed_employer(slug)
    if employer is None:
        raise Http404
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "items": listing_selectors.public_items(employer),
        "standing": standing_of(employer, timezone.now()),
    }
    return mark_public(render(request, "employers/employer_page.html", context))


def _verifiable(public_id: str) -> tuple[Employer, object]:
    employer = (
        Employer.objects.select_related("organisation")
        .filter(organisation__public_id=public_id)
        .first()
    )
    standing = standing_of(employer, timezone.now()) if employer else None
    if standing is None:
        raise Http404
    return employer, standing


def _wants_json(request) -> bool:
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@require_GET
def verify(request, public_id):
    """Whether a badge's pledge stands, in plain words or as JSON: no personal data."""
    employer, standing = _verifiable(public_id)
    facts = {
        "organisation": employer.organisation.name,
        "status": str(standing.standing),
        "since": standing.since.date().isoformat(),
        "until": standing.until.date().isoformat() if standing.until else None,
        "pledged_since": standing.pledged_since.date().isoformat(),
        "explanation": standing.explanation,
        "verified_at": timezone.now().isoformat(timespec="seconds"),
    }
    if _wants_json(request):
        response = JsonResponse(facts, json_dumps_params={"ensure_ascii": False})
    else:
        context = {"employer": employer, "standing": standing, "facts": facts}
        response = render(request, "employers/verify.html", context)
    # Answered by content type, which the origin's page cache does not key on: never kept
    # there (it is one query), while shared caches see the Vary.
    response["Vary"] = "Accept"
    return mark_public(response, store=False)


@require_GET
def badge_image(request, public_id, extension):
    employer, _ = _verifiable(public_id)
    year = (employer.approved_at or employer.pledged_since).year
    campaign = campaign_settings().campaign_name
    parts = (employer.organisation.name, year, campaign, extension)
    key = "employers:badge:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        draw = badges.badge_svg if extension == "svg" else badges.badge_png
        body = draw(organisation=parts[0], year=year, campaign=campaign)
        cache.set(key, body, BADGE_CACHE_SECONDS)
    content_type = "image/svg+xml" if extension == "svg" else "image/png"
    response = HttpResponse(body, content_type=content_type)
    # An SVG opened on its own runs no script and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    if request.GET.get("download"):
        name = f"workplace-pledge-badge.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return mark_public(response, store=False)


# --- Starting ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request):
    """Sign up (or sign in) first; then one form makes the organisation and its profile."""
    if not request.user.is_authenticated:
        return render(request, "employers/join_start.html")
    organisation_form = OrganisationForm(request.POST or None, request.FILES or None)
    profile_form = EmployerProfileForm(request.POST or None)
    if request.method == "POST" and organisation_form.is_valid() and profile_form.is_valid():
        employer = profiles.start_employer(
            user=request.user,
            organisation=organisation_form.details(),
            profile=profile_form.profile(),
        )
        messages.success(request, "Your organisation is set up. Now choose your commitments.")
        return redirect("employers:commitments", public_id=employer.organisation.public_id)
    status = 400 if request.method == "POST" else 200
    context = {
        "organisation_form": organisation_form,
        "profile_form": profile_form,
        **_forms(organisation_form, profile_form),
    }
    return render(request, "employers/join.html", context, status=status)


# --- The plan, for an organisation's members ----------------------------------------------------


def _employer(membership) -> Employer:
    employer = Employer.objects.filter(organisation=membership.organisation).first()
    if employer is None:
        raise Http404
    employer.organisation = membership.organisation
    return employer


def _locked_page(request, employer):
    messages.info(request, planning.UNDER_REVIEW)
    return redirect("employers:plan", public_id=employer.organisation.public_id)


@member_required()
@require_http_methods(["GET", "POST"])
def plan(request, membership):
    """Where the pledge stands and what to do next; for an organisation that has not started,
    the employer profile that starts it."""
    organisation = membership.organisation
    employer = Employer.objects.filter(organisation=organisation).first()
    if employer is None:
        form = EmployerProfileForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                profiles.add_employer(organisation=organisation, profile=form.profile())
            except EmployerError as error:
                messages.error(request, str(error))
            return redirect("employers:commitments", public_id=organisation.public_id)
        status = 400 if request.method == "POST" else 200
        context = {"organisation": organisation, "form": form, **_forms(form)}
        return render(
            request, "employers/manage/start.html", {**context, "step": "start"}, status=status
        )
    if request.method == "POST":
        raise Http404
    employer.organisation = organisation
    latest = employer.submissions.first()
    context = {
        "membership": membership,
        "organisation": organisation,
        "employer": employer,
        "items": list(plan_items(employer)),
        "latest": latest,
        "standing": standing_of(employer, timezone.now()),
        "problems": missing_for_submission(
            employer, minimum=employer_settings(request).minimum_commitments
        ),
        "is_owner": membership.role == Role.OWNER,
    }
    return render(request, "employers/manage/plan.html", {**context, "step": "plan"})


@member_required()
@require_http_methods(["GET", "POST"])
def profile(request, membership):
    employer = _employer(membership)
    form = EmployerProfileForm(request.POST or None, instance=employer)
    if request.method == "POST" and form.is_valid():
        profiles.update_profile(employer=employer, profile=form.profile())
        messages.success(request, "Your employer details are saved.")
        return redirect("employers:plan", public_id=employer.organisation.public_id)
    status = 400 if request.method == "POST" else 200
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "form": form,
        **_forms(form),
    }
    return render(
        request, "employers/manage/profile.html", {**context, "step": "profile"}, status=status
    )


@member_required()
@require_http_methods(["GET", "POST"])
def commitments(request, membership):
    employer = _employer(membership)
    items = list(plan_items(employer))
    chosen = [item.commitment_id for item in items if item.commitment_id]
    form = CommitmentsForm(request.POST or None, chosen=chosen)
    own_form = OwnCommitmentForm(prefix="own")
    if request.method == "POST":
        if not employer.is_editable:
            return _locked_page(request, employer)
        if form.is_valid():
            try:
                planning.choose_commitments(
                    employer=employer, commitment_ids=form.cleaned_data["commitments"]
                )
            except EmployerError:
                return _locked_page(request, employer)
            messages.success(request, "Your commitments are saved.")
            return redirect("employers:actions", public_id=employer.organisation.public_id)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "form": form,
        "own_form": own_form,
        "own_items": [item for item in items if item.commitment_id is None],
        "minimum": employer_settings(request).minimum_commitments,
        **_forms(form),
    }
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "employers/manage/commitments.html",
        {**context, "step": "commitments"},
        status=status,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def own_commitment(request, membership, item_id=None):
    """Add the organisation's own commitment, reword one, or remove it."""
    employer = _employer(membership)
    item = None
    if item_id is not None:
        item = get_object_or_404(PlanItem, pk=item_id, employer=employer, commitment__isnull=True)
    initial = {"title": item.own_title, "explanation": item.own_explanation} if item else None
    form = OwnCommitmentForm(request.POST or None, prefix="own", initial=initial)
    if request.method == "POST":
        if not employer.is_editable:
            return _locked_page(request, employer)
        try:
            if item is not None and request.POST.get("remove"):
                planning.remove_item(item=item)
                messages.success(request, "That commitment is removed from your plan.")
                return redirect("employers:commitments", public_id=employer.organisation.public_id)
            if form.is_valid():
                if item is None:
                    planning.add_own_commitment(employer=employer, details=form.details())
                else:
                    planning.update_own_commitment(item=item, details=form.details())
                messages.success(request, "Your own commitment is saved.")
                return redirect("employers:commitments", public_id=employer.organisation.public_id)
        except EmployerError as error:
            messages.error(request, str(error))
            return redirect("employers:plan", public_id=employer.organisation.public_id)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "form": form,
        "item": item,
    }
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "employers/manage/own_commitment.html",
        {**context, "step": "own_commitment"},
        status=status,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def actions(request, membership):
    """An action for every commitment, on one page. What is filled in correctly is saved even
    when another part has a mistake, and what was typed stays in the form."""
    employer = _employer(membership)
    items = list(plan_items(employer))
    data = request.POST if request.method == "POST" else None
    forms = [ActionForm(data, item=item) for item in items]
    if request.method == "POST":
        if not employer.is_editable:
            return _locked_page(request, employer)
        with transaction.atomic():
            for form in forms:
                if form.is_valid() and form.has_changed_values():
                    planning.set_action(item=form.item, details=form.details())
        if all(form.is_valid() for form in forms):
            messages.success(request, "Your actions are saved.")
            return redirect("employers:sign", public_id=employer.organisation.public_id)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "forms": forms,
        **_forms(*forms),
    }
    has_errors = context["has_errors"]
    return render(
        request,
        "employers/manage/actions.html",
        {**context, "step": "actions"},
        status=400 if has_errors else 200,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def sign(request, membership):
    employer = _employer(membership)
    initial = None
    if employer.signed_by_name:
        initial = {
            "name": employer.signed_by_name,
            "role": employer.signed_by_role,
            "signed_on": employer.signed_on,
        }
    form = SignatoryForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not employer.is_editable:
            return _locked_page(request, employer)
        if form.is_valid():
            planning.sign(employer=employer, signatory=form.signatory())
            messages.success(request, "The signature is saved.")
            return redirect("employers:submit", public_id=employer.organisation.public_id)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "form": form,
        **_forms(form),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "employers/manage/sign.html", {**context, "step": "sign"}, status=status)


@member_required()
@require_http_methods(["GET", "POST"])
def submit(request, membership):
    employer = _employer(membership)
    renewal = planning.submission_kind(employer, timezone.now()) == SubmissionKind.RENEWAL
    review_form = SelfReviewForm(request.POST or None, prefix="review") if renewal else None
    problems = missing_for_submission(
        employer, minimum=employer_settings(request).minimum_commitments
    )
    error = ""
    if request.method == "POST":
        if not employer.is_editable:
            return _locked_page(request, employer)
        if review_form is None or review_form.is_valid():
            try:
                planning.submit(
                    employer=employer,
                    by=request.user,
                    self_review=review_form.review() if review_form else None,
                )
            except EmployerError as refused:
                error = str(refused)
            else:
                messages.success(
                    request, "Your pledge is with the council. We will email you their reply."
                )
                return redirect("employers:plan", public_id=employer.organisation.public_id)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "items": list(plan_items(employer)),
        "problems": problems,
        "review_form": review_form,
        "error": error,
        "renewal": renewal,
        **_forms(review_form),
    }
    failed = request.method == "POST"
    return render(
        request,
        "employers/manage/submit.html",
        {**context, "step": "submit"},
        status=400 if failed else 200,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def progress_page(request, membership):
    employer = _employer(membership)
    if employer.pledged_since is None:
        raise Http404
    items = list(items_with_updates(employer))
    data = request.POST if request.method == "POST" else None
    posted = request.POST.get("item") if data else None
    forms = [ProgressForm(data if str(item.pk) == posted else None, item=item) for item in items]
    if request.method == "POST":
        if "show_progress" in request.POST:
            show = request.POST["show_progress"] == "yes"
            progress.set_show_progress(employer=employer, show=show)
            messages.success(
                request,
                "Your progress is shown on your public page."
                if show
                else "Your progress is no longer shown on your public page.",
            )
            return redirect("employers:progress", public_id=employer.organisation.public_id)
        chosen = next((form for form in forms if form.is_bound), None)
        if chosen is None:
            raise Http404
        if chosen.is_valid():
            progress.record_progress(item=chosen.item, progress=chosen.progress(), by=request.user)
            messages.success(request, f"Your update on “{chosen.item.title}” is saved.")
            return redirect("employers:progress", public_id=employer.organisation.public_id)
    failed = any(form.errors for form in forms)
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "rows": list(zip(items, forms, strict=True)),
        **_forms(*forms),
    }
    return render(
        request,
        "employers/manage/progress.html",
        {**context, "step": "progress"},
        status=400 if failed else 200,
    )


@member_required()
@require_GET
def badge_page(request, membership):
    employer = _employer(membership)
    standing = standing_of(employer, timezone.now())
    if standing is None:
        raise Http404
    public_id = employer.organisation.public_id
    verify_url = request.build_absolute_uri(reverse("employers:verify", args=[public_id]))
    image_url = request.build_absolute_uri(reverse("employers:badge_svg", args=[public_id]))
    year = (employer.approved_at or employer.pledged_since).year
    context = {
        "employer": employer,
        "organisation": employer.organisation,
        "standing": standing,
        "verify_url": verify_url,
        "embed_code": badges.embed_code(
            verify_url=verify_url,
            image_url=image_url,
            organisation=employer.organisation.name,
            year=year,
        ),
    }
    return render(request, "employers/manage/badge.html", {**context, "step": "badge"})


@member_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def withdraw(request, membership):
    employer = _employer(membership)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            withdrawal.withdraw(employer=employer, by=request.user)
        except EmployerError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your workplace pledge is withdrawn.")
        return redirect("employers:plan", public_id=employer.organisation.public_id)
    context = {"employer": employer, "organisation": employer.organisation}
    return render(request, "employers/manage/withdraw.html", {**context, "step": "withdraw"})


def manage_url(organisation: Organisation) -> str:
    """The organisation's link to the workplace pledge (organisations' feature registry)."""
    return reverse("employers:plan", args=[organisation.public_id])
