"""Thin views over the organisation services: each reads the request, calls one service and
redirects with a message. Every change is a POST with the CSRF token; pages that delete or hand
something over show a confirmation first. Nothing here is cached or public (no mark_public)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .access import member_required
from .forms import InviteForm, OrganisationForm
from .models import Invite, Membership, Role
from .registry import feature_links
from .services import OrganisationError
from .tokens import read_invite_token

# How a refused invitation is answered: gone for good, or for someone else.
INVITE_STATUS = {"cancelled": 410, "used": 410, "expired": 410, "gone": 410, "other_address": 403}


def overview_url(organisation) -> str:
    return reverse("organisations:overview", kwargs={"public_id": organisation.public_id})


def members_url(organisation) -> str:
    return reverse("organisations:members", kwargs={"public_id": organisation.public_id})


def _other_member(membership: Membership, member_id: int) -> Membership:
    member = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=member_id, organisation=membership.organisation)
        .first()
    )
    if member is None:
        raise Http404
    return member


# --- Your organisations -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def my_organisations(request):
    return render(
        request,
        "organisations/list.html",
        {"memberships": selectors.memberships_of(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if request.method == "POST":
        form = OrganisationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                organisation = services.create_organisation(
                    owner=request.user, details=form.details()
                )
            except OrganisationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"{organisation.name} has been added.")
                return redirect(overview_url(organisation))
        return render(request, "organisations/create.html", {"form": form}, status=400)
    return render(request, "organisations/create.html", {"form": OrganisationForm()})


# --- One organisation -------------------------------------------------------------------------


@member_required()
@require_http_methods(["GET"])
def overview(request, membership):
    organisation = membership.organisation
    return render(
        request,
        "organisations/overview.html",
        {
            "organisation": organisation,
            "membership": membership,
            "features": feature_links(organisation),
            "members": selectors.members_of(organisation),
            "areas": organisation.areas.all(),
        },
    )


@member_required()
@require_http_methods(["GET", "POST"])
def edit(request, membership):
    organisation = membership.organisation
    context = {"organisation": organisation, "membership": membership}
    if request.method == "POST":
        form = OrganisationForm(request.POST, request.FILES, organisation=organisation)
        if form.is_valid():
            try:
                services.update_organisation(
                    organisation=organisation, details=form.details(), by=request.user
                )
            except OrganisationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Your changes have been saved.")
                return redirect(overview_url(organisation))
        return render(request, "organisations/edit.html", {**context, "form": form}, status=400)
    form = OrganisationForm(organisation=organisation)
    return render(request, "organisations/edit.html", {**context, "form": form})


def _members_page(request, membership, *, invite_form=None, status=200):
    organisation = membership.organisation
    context = {
        "organisation": organisation,
        "membership": membership,
        "members": selectors.members_of(organisation),
        "owner_count": selectors.owner_count(organisation),
        "roles": Role.choices,
    }
    if membership.is_owner:
        context["invites"] = selectors.unanswered_invites(organisation)
        context["invite_form"] = invite_form or InviteForm()
    return render(request, "organisations/members.html", context, status=status)


@member_required()
@require_http_methods(["GET"])
def members(request, membership):
    return _members_page(request, membership)


@member_required(Role.OWNER)
@require_POST
def invite(request, membership):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            sent = services.invite_member(
                organisation=membership.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except OrganisationError as error:
            field = "email" if error.code in ("already_member", "invalid_email") else None
            form.add_error(field, error.message)
        else:
            messages.success(request, f"We have emailed an invitation to {sent.email}.")
            return redirect(members_url(membership.organisation))
    return _members_page(request, membership, invite_form=form, status=400)


@member_required(Role.OWNER)
@require_POST
def cancel_invite(request, membership, invite_id):
    invite = (
        Invite.objects.select_related("organisation")
        .filter(pk=invite_id, organisation=membership.organisation)
        .first()
    )
    if invite is None:
        raise Http404
    try:
        services.cancel_invite(invite=invite, by=request.user)
    except OrganisationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation to {invite.email} has been cancelled.")
    return redirect(members_url(membership.organisation))


@member_required(Role.OWNER)
@require_POST
def change_role(request, membership, member_id):
    member = _other_member(membership, member_id)
    try:
        changed = services.change_role(
            membership=member, role=request.POST.get("role", ""), by=request.user
        )
    except OrganisationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{changed.user} is now an {changed.get_role_display().lower()}.")
    return redirect(members_url(membership.organisation))


@member_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def remove_member(request, membership, member_id):
    member = _other_member(membership, member_id)
    organisation = membership.organisation
    if request.method == "POST":
        try:
            services.remove_member(membership=member, by=request.user)
        except OrganisationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{member.user} has been removed from {organisation.name}.")
        return redirect(members_url(organisation))
    return render(
        request,
        "organisations/remove_member.html",
        {"organisation": organisation, "membership": membership, "member": member},
    )


@member_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def hand_over(request, membership, member_id):
    member = _other_member(membership, member_id)
    organisation = membership.organisation
    if request.method == "POST":
        try:
            services.hand_over_ownership(
                organisation=organisation, to_membership=member, by=request.user
            )
        except OrganisationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{member.user} is now an owner of {organisation.name}; you are an editor."
            )
        return redirect(members_url(organisation))
    return render(
        request,
        "organisations/hand_over.html",
        {"organisation": organisation, "membership": membership, "member": member},
    )


@member_required()
@require_http_methods(["GET", "POST"])
def leave(request, membership):
    organisation = membership.organisation
    context = {
        "organisation": organisation,
        "membership": membership,
        "last_owner": membership.is_owner and selectors.owner_count(organisation) == 1,
    }
    if request.method == "POST":
        try:
            services.leave(membership=membership)
        except OrganisationError as error:
            return render(
                request, "organisations/leave.html", {**context, "error": error.message}, status=409
            )
        messages.success(request, f"You have left {organisation.name}.")
        return redirect("organisations:list")
    return render(request, "organisations/leave.html", context)


@member_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def delete(request, membership):
    organisation = membership.organisation
    context = {"organisation": organisation, "membership": membership}
    if request.method == "POST":
        name = organisation.name
        try:
            services.delete_organisation(organisation=organisation, by=request.user)
        except OrganisationError as error:
            return render(
                request,
                "organisations/delete.html",
                {**context, "error": error.message},
                status=409,
            )
        messages.success(request, f"{name} has been deleted.")
        return redirect("organisations:list")
    return render(request, "organisations/delete.html", context)


# --- Invitations ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def accept_invite(request, token):
    """The link in an invitation email: GET shows the invitation and a button, only the POST
    accepts it (mail scanners follow links)."""
    invite = read_invite_token(token)
    if invite is None:
        raise Http404
    organisation = invite.organisation
    user = request.user if request.user.is_authenticated else None
    context = {"invite": invite, "organisation": organisation, "token": token}

    problem = services.invite_problem(invite, user)
    if problem is not None:
        if problem.code == "used" and user is not None:
            mine = selectors.membership_of(user, organisation)
            if mine is not None:
                return redirect(overview_url(organisation))
        status = INVITE_STATUS.get(problem.code, 410)
        return render(
            request,
            "organisations/invite_problem.html",
            {**context, "problem": problem},
            status=status,
        )
    if user is None:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "organisations/invite.html", context)

    if request.method == "POST":
        try:
            services.accept_invite(invite=invite, user=user)
        except OrganisationError as error:
            status = INVITE_STATUS.get(error.code, 410)
            return render(
                request,
                "organisations/invite_problem.html",
                {**context, "problem": error},
                status=status,
            )
        messages.success(request, f"You have joined {organisation.name}.")
        return redirect(overview_url(organisation))
    already = selectors.membership_of(user, organisation)
    return render(request, "organisations/invite.html", {**context, "already": already})
