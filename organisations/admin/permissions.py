"""Who may see what of organisations in the admin (the groups get these from migration
0002_admin_roles): the listing and profiles for Moderators and Data officers; the members,
their email addresses, the invitations and the history (which names who did what) for Data
officers only."""

from core.admin import RolePermissionPolicy
from organisations.models import Organisation

VIEW = "organisations.view_organisation"
VIEW_MEMBERS = "organisations.view_membership"

organisation_policy = RolePermissionPolicy(
    Organisation, {"view": VIEW, "view_members": VIEW_MEMBERS}
)
