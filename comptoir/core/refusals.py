"""A service's refusal in a person's words: the one way views turn it into a message or a text.

A service refuses with a `ComptoirError` (its message is already written for people) or Django's
`ValidationError` (one or several messages, maybe per field). Every view of every app says them
through these functions, so a refusal reads the same wherever it happens:

    try:
        folder_rename(folder=folder, name=name, actor=request.user)
    except REFUSALS as error:
        refusal_message(request, error)
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from comptoir.core.errors import ComptoirError

# What a view catches around a service call; anything else is a bug and answers 500.
REFUSALS = (ComptoirError, ValidationError)


def refusal_texts(refusal: Exception | forms.BaseForm) -> list[str]:
    """The sentences of a refusal, or of a bound form's errors (each field's, in the form's order)."""
    if isinstance(refusal, forms.BaseForm):
        return [str(text) for errors in refusal.errors.values() for text in errors]
    if isinstance(refusal, ComptoirError):
        return [refusal.message]
    if isinstance(refusal, ValidationError):
        return [str(text) for text in refusal.messages]
    return [str(refusal)]


def refusal_text(refusal: Exception | forms.BaseForm) -> str:
    """One line (a JSON answer's `error`, a panel's notice)."""
    return " ".join(refusal_texts(refusal))


def refusal_message(request: HttpRequest, refusal: Exception | forms.BaseForm) -> None:
    """One error message per sentence, shown on the next page."""
    for text in refusal_texts(refusal):
        messages.error(request, text)


def refusal_form_add(form: forms.BaseForm, refusal: Exception) -> None:
    """A service's refusal on the form that was sent: on its fields when the error names them, else
    on the whole form."""
    if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
        for field, texts in refusal.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, refusal_texts(refusal))
