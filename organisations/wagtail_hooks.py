"""Organisations in the admin (organisations/admin/) and their history's action labels."""

from django.contrib.auth.models import Permission
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin.permissions import organisation_policy
from .admin.viewsets import OrganisationViewSet
from .models import Organisation
from .services import LOG_ACTIONS

# Before the viewset is registered, or Wagtail would make a default policy for the model.
register_permission_policy(Organisation, organisation_policy, exact_class=True)


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return OrganisationViewSet("organisations_admin", url_prefix="organisations")


@hooks.register("register_permissions")
def organisation_member_permissions():
    # What the group editor offers: seeing members and their addresses.
    return Permission.objects.filter(
        content_type__app_label="organisations", codename="view_membership"
    )


@hooks.register("register_log_actions")
def register_organisation_log_actions(actions):
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)
