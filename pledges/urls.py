from django.urls import path

from . import views

app_name = "pledges"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("thanks/<str:token>/", views.thanks, name="thanks"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/my-pledge.json", views.download_data, name="download"),
]
