from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.firms.selectors import company_list_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    companies = company_list_for_user(user=request.user)
    return render(request, "web/home.html", {"companies": companies})
