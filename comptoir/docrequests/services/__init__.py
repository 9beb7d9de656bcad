from comptoir.docrequests.services.answers import (
    docrequest_answer_deposit,
    docrequest_document_entered,
    docrequest_item_unavailable,
)
from comptoir.docrequests.services.requests import docrequest_close, docrequest_create, docrequest_send_back
from comptoir.docrequests.services.templates import template_create, templates_generate

__all__ = ["docrequest_answer_deposit", "docrequest_close", "docrequest_create", "docrequest_document_entered",
           "docrequest_item_unavailable", "docrequest_send_back", "template_create", "templates_generate"]
