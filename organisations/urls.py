from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.my_organisations, name="list"),
    path("new/", views.create, name="create"),
    path("invite/<str:token>/", views.accept_invite, name="invite"),
    path("<slug:public_id>/", views.overview, name="overview"),
    path("<slug:public_id>/edit/", views.edit, name="edit"),
    path("<slug:public_id>/members/", views.members, name="members"),
    path("<slug:public_id>/members/invite/", views.invite, name="invite_member"),
    path(
        "<slug:public_id>/invites/<int:invite_id>/cancel/",
        views.cancel_invite,
        name="cancel_invite",
    ),
    path("<slug:public_id>/members/<int:member_id>/role/", views.change_role, name="change_role"),
    path(
        "<slug:public_id>/members/<int:member_id>/remove/",
        views.remove_member,
        name="remove_member",
    ),
    path("<slug:public_id>/members/<int:member_id>/hand-over/", views.hand_over, name="hand_over"),
    path("<slug:public_id>/leave/", views.leave, name="leave"),
    path("<slug:public_id>/delete/", views.delete, name="delete"),
]
