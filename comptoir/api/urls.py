from django.urls import path

from comptoir.api.app import api

urlpatterns = [path("", api.urls)]
