from django.urls import path

from core.abuse import challenge_view

from . import views

app_name = "pledges"

urlpatterns = [
    path("challenge/", challenge_view, name="challenge"),
    path("submit/<int:page_id>/", views.submit, name="submit"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("thanks/<str:token>/", views.thanks, name="thanks"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/my-pledge.json", views.download_data, name="download"),
    path("<int:pledge_id>/", views.public_pledge, name="public"),
    path("<int:pledge_id>/card.png", views.share_card, name="card"),
    path("outcome/<str:token>/<str:answer>/", views.outcome, name="outcome"),
]
