"""What every app's admin shares: role policies, who may see a model's listing, and the snippet
viewset every app builds on (exports: core/exports.py).

The rule is one: every admin URL of a model asks the permission its listing asks. Wagtail's
generic views already do for edit, delete, history and the rest. Where they do not, the page
is either not there (snippet choosers, below) or checked against `may_list` before Wagtail's
view runs (bulk-action pages, the page chooser, the admin API: core/admin_urls.py)."""

from collections.abc import Collection

from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.documents import get_document_model
from wagtail.documents.views.documents import IndexView as DocumentIndexView
from wagtail.images import get_image_model
from wagtail.images.views.images import IndexView as ImageIndexView
from wagtail.models import Page
from wagtail.permission_policies.base import BaseDjangoAuthPermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.views import snippets as snippet_views

# --- Role policies ---------------------------------------------------------------------------


class RolePermissionPolicy(BaseDjangoAuthPermissionPolicy):
    """Each admin action needs the one permission a role is given for it. Actions not listed
    (edit, copy, delete, Wagtail's own add form) are refused to everyone, superusers included:
    such models change only through their app's services, which keep consents and audit
    records. `auth_model` is the model the permissions are defined on, when a listing shows a
    proxy of it."""

    def __init__(self, model, actions: dict[str, str], *, auth_model=None):
        super().__init__(model, auth_model=auth_model or model)
        self.actions = actions

    def user_has_permission(self, user, action):
        permission = self.actions.get(action)
        return bool(permission) and user.has_perm(permission)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        codenames = {self.actions[a].split(".", 1)[1] for a in actions if a in self.actions}
        return self._get_users_with_any_permission_codenames(codenames)


# --- Who may see a model's listing ------------------------------------------------------------


def listing_actions(model) -> Collection[str] | None:
    """The actions (any one will do) that the model's admin listing asks for, or None when the
    model has no listing."""
    if issubclass(model, Page):
        return PageIndexView.any_permission_required
    if model is get_image_model():
        return ImageIndexView.any_permission_required
    if model is get_document_model():
        return DocumentIndexView.any_permission_required
    for viewset in viewsets.viewsets:
        if isinstance(viewset, ModelViewSet) and viewset.model is model:
            return viewset.index_view_class.any_permission_required
    return None


def may_list(user, model) -> bool:
    """Whether the user may see the model's admin listing, and so its items' titles anywhere
    else in the admin. A model without a listing is for superusers only."""
    actions = listing_actions(model)
    if actions is None:
        return bool(user.is_active and user.is_superuser)
    return policy_registry.get_by_type(model).user_has_any_permission(user, actions)


# --- Snippets ------------------------------------------------------------------------------------


class SnippetViewSet(snippet_views.SnippetViewSet):
    """The base of every snippet viewset here.

    No chooser: Wagtail's snippet chooser lists every item to anyone who can use the admin,
    whatever they may see, and nothing here chooses a snippet. A model that ever needs one must
    make its chooser views ask `may_list` first."""

    def register_chooser_viewset(self):
        pass
