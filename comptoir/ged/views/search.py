"""The search page (also behind the header's search box): every document the user may see whose
name, folder path or text has all the words typed, with the passage that matched."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from comptoir.core.params import ParamError, param_page
from comptoir.firms.selectors import company_get_for_user, company_list_for_user
from comptoir.ged.forms import DocumentSearchForm
from comptoir.ged.search.selectors import document_search_for_user
from comptoir.ged.selectors import folder_display_path, folder_get_for_user

PAGE_SIZE = 20


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    form = DocumentSearchForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    company = company_get_for_user(user=request.user, company_id=data["company"]) if data.get("company") else None
    folder = folder_get_for_user(user=request.user, folder_id=data["folder"]) if data.get("folder") else None
    errors = form.error_lines()
    try:
        page = param_page(request.GET.get("page"))
    except ParamError as refusal:
        errors.append(_("Page : %(reason)s") % {"reason": refusal.message})
        page = 1
    query = (data.get("q") or "").strip()
    hits = document_search_for_user(user=request.user, query=query, company=company, folder=folder,
                                    since=data.get("du"), until=data.get("au"), limit=PAGE_SIZE + 1,
                                    offset=(page - 1) * PAGE_SIZE) if query else []
    return render(request, "ged/search.html", {
        "form": form,
        "errors": errors,
        "query": query,
        "base_query": urlencode({key: value for key, value in request.GET.items() if key != "page" and value}),
        "hits": hits[:PAGE_SIZE],
        "has_next": len(hits) > PAGE_SIZE,
        "page_number": page,
        "company": company or (folder.company if folder else None),
        "folder": folder,
        "folder_path": folder_display_path(folder=folder) if folder else "",
        "companies": company_list_for_user(user=request.user).order_by("name")[:200],
    })
