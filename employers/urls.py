from django.urls import path

from . import views

app_name = "employers"

urlpatterns = [
    path("", views.listing, name="listing"),
    path("join/", views.join, name="join"),
    path("verify/<str:public_id>/", views.verify, name="verify"),
    path("badge/<str:public_id>.svg", views.badge_image, {"extension": "svg"}, name="badge_svg"),
    path("badge/<str:public_id>.png", views.badge_image, {"extension": "png"}, name="badge_png"),
    path("manage/<str:public_id>/", views.plan, name="plan"),
    path("manage/<str:public_id>/profile/", views.profile, name="profile"),
    path("manage/<str:public_id>/commitments/", views.commitments, name="commitments"),
    path("manage/<str:public_id>/commitments/own/", views.own_commitment, name="own_new"),
    path(
        "manage/<str:public_id>/commitments/own/<int:item_id>/",
        views.own_commitment,
        name="own_edit",
    ),
    path("manage/<str:public_id>/actions/", views.actions, name="actions"),
    path("manage/<str:public_id>/sign/", views.sign, name="sign"),
    path("manage/<str:public_id>/submit/", views.submit, name="submit"),
    path("manage/<str:public_id>/progress/", views.progress_page, name="progress"),
    path("manage/<str:public_id>/badge/", views.badge_page, name="badge"),
    path("manage/<str:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/", views.employer_page, name="employer"),
]
