"""Email in Wagtail's admin: the outbox (read-only), the suppression list (read-only) and the
wording of each email, which the comms team edits and previews."""

from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.admin import SnippetViewSet

from .models import EmailCopy, OutboundEmail, Suppression


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
    inspect_view_enabled = True
    list_display = [
        Column("summary", label="Subject"),
        "to",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "template"]
    search_fields = ["subject", "to", "key"]
    search_backend_name = None
    inspect_view_fields = [
        "key",
        "to",
        "template",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "body_text",
    ]


class SuppressionViewSet(SnippetViewSet):
    model = Suppression
    icon = "cross"
    menu_label = "Suppressed addresses"
    list_display = ["reason", "created_at"]
    list_filter = ["reason"]


class EmailCopyViewSet(SnippetViewSet):
    model = EmailCopy
    icon = "edit"
    menu_label = "Email wording"
    list_display = ["key", "subject"]
    search_fields = ["key", "subject", "body"]
    search_backend_name = None


class EmailViewSetGroup(SnippetViewSetGroup):
    menu_label = "Email"
    menu_icon = "mail"
    menu_order = 800
    items = (OutboundEmailViewSet, EmailCopyViewSet, SuppressionViewSet)


register_permission_policy(OutboundEmail, ViewOnlyPermissionPolicy(OutboundEmail))
register_permission_policy(Suppression, ViewOnlyPermissionPolicy(Suppression))
register_snippet(EmailViewSetGroup)
