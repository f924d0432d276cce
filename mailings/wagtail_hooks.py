"""The outbox in Wagtail's admin: what was sent, what is waiting and what failed. Read-only."""

from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import OutboundEmail


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Emails are written by the platform, never typed in the admin."""

    def user_has_permission(self, user, action):
        if action not in ("view", "inspect"):
            return False
        return super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class OutboundEmailViewSet(SnippetViewSet):
    model = OutboundEmail
    icon = "mail"
    menu_label = "Outbox"
    menu_name = "outbox"
    menu_order = 800
    add_to_admin_menu = True
    inspect_view_enabled = True
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["subject", "to", "key"]
    search_backend_name = None
    inspect_view_fields = [
        "key",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "body_text",
    ]


register_permission_policy(OutboundEmail, ViewOnlyPermissionPolicy(OutboundEmail))
register_snippet(OutboundEmailViewSet)
