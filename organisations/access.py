"""Who may open an organisation's pages: its members, and for some pages its owners only. Used
by organisations' own views and by every feature's views for an organisation.

    @member_required()                 # any member
    @member_required(Role.OWNER)       # owners only
    def view(request, membership, *args, **kwargs): ...

The URL names the organisation by its `public_id` keyword argument, which the view does not
get: it gets the person's `Membership` instead (`membership.organisation` is loaded with it).
Someone signed out is sent to sign in and brought back. Someone who is not a member gets the
same 404 as for an organisation that does not exist, so nobody learns which exist. A member
without the role gets a 403 page that says who can do it."""

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Membership, Role
from .selectors import membership_by_public_id


def has_role(membership: Membership, role: Role | str | None) -> bool:
    """Owners may do whatever editors may; `None` is any member."""
    if role is None or role == Role.EDITOR:
        return True
    return membership.role == Role.OWNER


def owners_only(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(
        request,
        "403.html",
        {
            "heading": "Only owners can do this",
            "message": f"Ask an owner of {membership.organisation.name} to do this for you, "
            "or to make you an owner.",
        },
        status=403,
    )


def member_required(role: Role | str | None = None) -> Callable[[Callable], Callable]:
    if role is not None and role not in Role.values:
        raise ValueError(f"unknown organisation role {role!r}")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, public_id: str, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_by_public_id(request.user, public_id)
            if membership is None:
                raise Http404
            if not has_role(membership, role):
                return owners_only(request, membership)
            return view(request, membership, *args, **kwargs)

        return wrapped

    return decorate
