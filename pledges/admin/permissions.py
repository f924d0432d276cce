"""Who may do what in the pledges admin: each role's permission (given to groups by migrations
0005 and 0008) and the policies the listings ask."""

from core.admin import RolePermissionPolicy
from pledges.models import Pledge, PledgeForModeration

# The admin roles' permissions (given to groups by migration 0005_pledge_admin_roles).
MODERATE = "pledges.moderate_pledge"
VIEW_PERSONAL_DATA = "pledges.view_personal_data"
EXPORT = "pledges.export_pledges"
ADD = "pledges.add_pledge"
ERASE = "pledges.erase_pledge"


# The role permissions live on Pledge, whichever model the listing shows.
moderation_policy = RolePermissionPolicy(
    PledgeForModeration, {"view": MODERATE, "moderate": MODERATE}, auth_model=Pledge
)
personal_data_policy = RolePermissionPolicy(
    Pledge, {"view": VIEW_PERSONAL_DATA, "export": EXPORT, "erase": ERASE}
)
