"""Writes of the partner area. Each is atomic, records an audit event, and defers side effects to commit."""

import logging
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import PermissionDenied
from comptoir.core.mail import MAIL_SEND_ERRORS
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company, Firm
from comptoir.firms.services import company_archive
from comptoir.ged.models import Folder
from comptoir.partners.catalogue.registry import app_get
from comptoir.partners.credentials import fields_clean, fields_clear, fields_store
from comptoir.partners.methods import CredentialsRefused
from comptoir.partners.models import (
    Connection,
    Delivery,
    DemoRequest,
    Destination,
    FolderSwitch,
    Installation,
    SwitchState,
)
from comptoir.partners.outbox import deliveries_cancel
from comptoir.partners.policy import partners_policy
from comptoir.partners.routing import deliveries_create
from comptoir.partners.selectors import backfill_plan, installation_get_active
from comptoir.partners.transports import PermanentError, TransientError

logger = logging.getLogger(__name__)

SwitchChoice = Literal["on", "off", "inherit"]


# --- installations --------------------------------------------------------------------------------


@transaction.atomic
def installation_create(*, firm: Firm, slug: str, actor: User | None) -> Installation:
    app = app_get(slug)
    if installation_get_active(firm=firm, slug=app.slug) is not None:
        raise ValidationError(_("%(app)s est déjà dans votre espace.") % {"app": app.name})
    installation = Installation.objects.create(firm=firm, app_slug=app.slug, installed_by=actor)
    audit_event_record(actor=actor, action="partners.install", target=installation, firm_id=firm.pk,
                       data={"app": app.slug})
    return installation


@transaction.atomic
def installation_remove(*, installation: Installation, actor: User | None) -> int:
    """Remove the app from the firm's space; its pending deliveries are cancelled. Returns how many."""
    app = app_get(installation.app_slug)
    now = timezone.now()
    cancelled = deliveries_cancel(
        deliveries=Delivery.objects.filter(destination__connection__installation=installation),
        reason=_("Application %(app)s retirée de l'espace du cabinet.") % {"app": app.name})
    installation.connections.filter(revoked_at__isnull=True).update(revoked_at=now)
    installation.removed_at = now
    installation.save(update_fields=["removed_at"])
    audit_event_record(actor=actor, action="partners.remove", target=installation, firm_id=installation.firm_id,
                       data={"app": app.slug, "cancelled": cancelled})
    return cancelled


# --- connections ----------------------------------------------------------------------------------


def _destinations_clean(*, app, method, destinations: dict[str, str]) -> dict[str, str]:
    """Every typed value validated; errors keyed by destination so forms can show them beside each field."""
    specs = method.destinations(app)
    unknown = set(destinations) - {spec.key for spec in specs}
    if unknown:
        raise ValidationError({key: _("Destination inconnue pour %(app)s.") % {"app": app.name}
                               for key in sorted(unknown)})
    cleaned, errors = {}, {}
    for spec in specs:
        value = (destinations.get(spec.key) or "").strip(" ")
        if not value:
            continue
        try:
            cleaned[spec.key] = method.destination_clean(app=app, key=spec.key, value=value)
        except ValidationError as exc:
            errors[spec.key] = exc.messages
    if not cleaned and not errors:
        first = specs[0]
        errors[first.key] = [_("Renseignez au moins une destination (%(label)s).") % {"label": first.label}]
    if errors:
        raise ValidationError(errors)
    return cleaned


class InvalidCredentials(Exception):
    """The partner refused: `message` is the partner's own wording for the firm, `reply` its raw answer."""

    def __init__(self, reply: str, *, message: str = "", field: str = ""):
        super().__init__(reply)
        self.reply, self.message, self.field = reply, message or reply, field


def _credentials_check(*, app, check) -> None:
    """Run a partner check outside any transaction: its refusal or unreachability, worded by field."""
    try:
        check()
    except CredentialsRefused as exc:
        raise InvalidCredentials(exc.reply, message=exc.message, field=exc.field) from exc
    except TransientError as exc:
        raise ValidationError({"__all__": [_("%(app)s est injoignable, réessayez plus tard : %(reply)s")
                                           % {"app": app.name, "reply": exc.reply}]}) from exc
    except PermanentError as exc:
        raise InvalidCredentials(exc.reply) from exc


def connection_set(*, installation: Installation, company: Company, actor: User | None, method: str | None = None,
                   destinations: dict[str, str] | None = None, credentials: dict[str, str | None] | None = None,
                   only_recognised_invoices: bool | None = None, check: bool = True,
                   base_url: str = "") -> Connection:
    """Connect the app to a company by one of its methods (the default one when `method` is None), or
    correct the connection in place. A corrected address is read at send time, so it also fixes
    deliveries already failing. Deliveries created from now on go by this method; pending ones keep
    theirs, and what was sent one way is never sent again the other (the method's `refusal_reason`).

    Credentials follow one rule (`credentials.fields_clean`): omitted, the stored value is kept; a
    secret given empty is refused. They are checked with the partner first (outside any transaction;
    `InvalidCredentials` with the partner's message) unless unchanged. `check=False` and `base_url`
    are for the demo seed only, which aims its own connections at the local fake partner.
    """
    if company.firm_id != installation.firm_id or installation.removed_at is not None:
        raise ValidationError(_("Cette entreprise ne peut pas être connectée à cette application."))
    app = app_get(installation.app_slug)
    chosen = app.method_get(method)
    if chosen is None:
        raise ValidationError({"method": _("%(app)s ne propose pas ce mode de connexion (%(method)s).")
                               % {"app": app.name, "method": method}})
    current = Connection.objects.filter(installation=installation, company=company, revoked_at__isnull=True).first()
    stored = current.config if current is not None else {}
    clean = fields_clean(chosen.fields, {k: v for k, v in (credentials or {}).items()}, stored)
    if chosen.addresses_typed and destinations is None:
        raise ValidationError({"destinations": [_("Renseignez les destinations de la connexion (%(method)s).")
                                                % {"method": chosen.label}]})
    typed = _destinations_clean(app=app, method=chosen, destinations=destinations) if chosen.addresses_typed else {}
    unchanged = current is not None and current.method == chosen.name and _clear_or_none(chosen, stored) == clean
    if check and chosen.fields and not unchanged:
        _credentials_check(app=app, check=lambda: chosen.credentials_check(
            app=app, credentials=clean, settings=installation_settings_clear(installation=installation)))
    return _connection_save(installation=installation, company=company, app=app, method=chosen, typed=typed,
                            clean=clean, actor=actor, only_recognised_invoices=only_recognised_invoices,
                            base_url=base_url)


def _clear_or_none(method, stored: dict) -> dict | None:
    try:
        return fields_clear(method.fields, stored)
    except ValueError:
        return None


def connection_api_set(*, installation: Installation, company: Company, api_key: str, api_secret: str,
                       actor: User | None, check: bool = True, base_url: str = "") -> Connection:
    """Upflow's API method with its two credentials (the demo, the tests and the benchmark use it)."""
    return connection_set(installation=installation, company=company, actor=actor, method="api",
                          credentials={"api_key": api_key, "api_secret": api_secret}, check=check,
                          base_url=base_url)


@transaction.atomic
def _connection_save(*, installation: Installation, company: Company, app, method, typed: dict[str, str],
                     clean: dict[str, str], actor: User | None, only_recognised_invoices: bool | None,
                     base_url: str) -> Connection:
    connection = (Connection.objects.select_for_update()
                  .filter(installation=installation, company=company, revoked_at__isnull=True).first())
    created = connection is None
    if created:
        connection = Connection.objects.create(installation=installation, company=company, created_by=actor,
                                               config={})
    config = {**method.config_initial(app=app), **(connection.config or {}), **fields_store(method.fields, clean)}
    if base_url:
        config["base_url"] = base_url
    if method.addresses_typed:
        _typed_destinations_sync(connection=connection, specs=method.destinations(app), cleaned=typed)
    else:
        for spec in method.destinations(app):
            Destination.objects.update_or_create(connection=connection, key=spec.key, defaults={
                "address": method.destination_address(app=app, spec=spec, credentials=clean)})
    if only_recognised_invoices is not None:
        connection.only_recognised_invoices = only_recognised_invoices and app.accepted_invoice_kinds is not None
    connection.method, connection.config = method.name, config
    connection.save(update_fields=["updated_at", "only_recognised_invoices", "method", "config"])
    public = {key: value for key, value in clean.items()
              if not any(field.key == key and field.secret for field in method.fields)}
    # Never a secret in the audit trail.
    audit_event_record(actor=actor, action="partners.connection_set", target=connection,
                       firm_id=installation.firm_id,
                       data={"app": app.slug, "company": company.pk, "created": created, "method": method.name,
                             "destinations": typed, "credentials": public,
                             "only_recognised_invoices": connection.only_recognised_invoices})
    return connection


def _typed_destinations_sync(*, connection: Connection, specs, cleaned: dict[str, str]) -> None:
    existing = {d.key: d for d in connection.destinations.all()}
    errors = {}
    for spec in specs:
        current, value = existing.get(spec.key), cleaned.get(spec.key)
        if value is None and current is not None:
            if current.deliveries.exists() or FolderSwitch.objects.filter(destination=current).exists():
                errors[spec.key] = [_("Cette adresse est utilisée par des dossiers ou des envois : "
                                      "corrigez-la plutôt que de la vider.")]
            else:
                current.delete()
        elif value is not None and current is None:
            Destination.objects.create(connection=connection, key=spec.key, address=value)
        elif value is not None and current.address != value:
            current.address = value
            current.save(update_fields=["address", "updated_at"])
    if errors:
        raise ValidationError(errors)


# --- installation settings (shared by all the firm's companies) -----------------------------------


def installation_settings_clear(*, installation: Installation) -> dict[str, str]:
    """The clear settings, for a method's check or transport ({} when the app declares none)."""
    app = app_get(installation.app_slug)
    try:
        return fields_clear(app.settings_fields, installation.settings or {})
    except ValueError as exc:
        raise PermanentError(_("Les réglages de %(app)s ne peuvent pas être déchiffrés : saisissez-les de "
                               "nouveau.") % {"app": app.name}) from exc


def installation_settings_set(*, installation: Installation, values: dict[str, str | None], actor: User | None,
                              check: bool = True) -> Installation:
    """The firm's settings of an installed app (e.g. its FTP access): same rule for secrets as a connection's,
    checked with the partner first (outside any transaction)."""
    app = app_get(installation.app_slug)
    if installation.removed_at is not None or not app.settings_fields:
        raise ValidationError(_("%(app)s n'a pas de réglages.") % {"app": app.name})
    clean = fields_clean(app.settings_fields, values, installation.settings or {})
    if check:
        _credentials_check(app=app, check=lambda: app.settings_check(settings=clean))
    return _installation_settings_save(installation=installation, app=app, clean=clean, actor=actor)


@transaction.atomic
def _installation_settings_save(*, installation: Installation, app, clean: dict[str, str],
                                actor: User | None) -> Installation:
    installation = Installation.objects.select_for_update().get(pk=installation.pk)
    installation.settings = {**(installation.settings or {}), **fields_store(app.settings_fields, clean)}
    installation.save(update_fields=["settings"])
    public = {key: value for key, value in clean.items()
              if not any(field.key == key and field.secret for field in app.settings_fields)}
    audit_event_record(actor=actor, action="partners.settings_set", target=installation, firm_id=installation.firm_id,
                       data={"app": app.slug, "settings": public})
    return installation


@transaction.atomic
def connection_revoke(*, connection: Connection, actor: User | None) -> int:
    """Withdraw the app's access to a company; its pending deliveries are cancelled. Returns how many."""
    app = app_get(connection.installation.app_slug)
    cancelled = deliveries_cancel(
        deliveries=Delivery.objects.filter(destination__connection=connection),
        reason=_("Connexion %(app)s révoquée pour %(company)s.") % {"app": app.name,
                                                                     "company": connection.company.name})
    connection.revoked_at = timezone.now()
    connection.save(update_fields=["revoked_at", "updated_at"])
    audit_event_record(actor=actor, action="partners.connection_revoke", target=connection,
                       firm_id=connection.installation.firm_id,
                       data={"app": app.slug, "company": connection.company_id, "cancelled": cancelled})
    return cancelled


# --- switches -------------------------------------------------------------------------------------


@transaction.atomic
def folder_switch_set(*, folder: Folder, connection: Connection, state: SwitchChoice,
                      destination: str | None = None, actor: User | None) -> FolderSwitch | None:
    """Write the one explicit row of this folder ('inherit' deletes it). Subfolders are never touched:
    they inherit through resolution, so the cost is the same on a leaf and on a huge tree."""
    if connection.company_id != folder.company_id or connection.revoked_at is not None:
        raise ValidationError(_("Cette application n'est pas connectée à cette entreprise."))
    app = app_get(connection.installation.app_slug)
    if state == "inherit":
        FolderSwitch.objects.filter(folder=folder, connection=connection).delete()
        switch = None
    elif state in (SwitchState.ON, SwitchState.OFF):
        target = None
        if state == SwitchState.ON:
            target = _switch_destination(connection=connection, app=app, key=destination)
        switch, _created = FolderSwitch.objects.update_or_create(
            folder=folder, connection=connection,
            defaults={"state": state, "destination": target, "set_by": actor if getattr(actor, "pk", None) else None})
    else:
        raise ValidationError({"state": _("État inconnu : choisissez on, off ou inherit.")})
    audit_event_record(actor=actor, action="partners.switch_set", target=folder,
                       firm_id=connection.installation.firm_id,
                       data={"app": app.slug, "connection": connection.pk, "state": state,
                             "destination": switch.destination.key if switch and switch.destination else None})
    return switch


def _switch_destination(*, connection: Connection, app, key: str | None) -> Destination | None:
    """The destination a folder feeds: any of the connection's, chosen by key; without a key, the one
    destination of the connection's method, or None when there are several (the firm must choose)."""
    destinations = {d.key: d for d in connection.destinations.all()}
    if not key:
        method = app.method_get(connection.method) or app.methods[0]
        keys = {spec.key for spec in method.destinations(app)}
        own = [d for k, d in destinations.items() if k in keys]
        if len(own) == 1:
            return None if not method.addresses_typed else own[0]
        raise ValidationError({"destination": _("Choisissez la destination de %(app)s pour ce dossier.")
                               % {"app": app.name}})
    if key not in destinations:
        raise ValidationError({"destination": _("Aucune adresse « %(key)s » n'est renseignée pour cette "
                                                "connexion.") % {"key": key}})
    return destinations[key]


@transaction.atomic
def connection_usual_folders_link(*, connection: Connection, actor: User | None) -> int:
    """« Relier les dossiers habituels »: switch on, in every annual folder that exists, each folder whose
    role the app maps to a destination (`PartnerApp.usual_folders`), to that destination. Each switch
    is an ordinary one, undone one at a time. Returns how many folders were switched on."""
    app = app_get(connection.installation.app_slug)
    if not app.usual_folders or connection.revoked_at is not None:
        raise ValidationError(_("%(app)s ne propose pas de relier les dossiers habituels.") % {"app": app.name})
    present = {d.key for d in connection.destinations.all()}
    folders = Folder.objects.filter(company_id=connection.company_id, role__in=list(app.usual_folders),
                                    deleted_at__isnull=True).order_by("path")
    linked = 0
    for folder in folders:
        key = app.usual_folders[folder.role]
        if key in present:
            folder_switch_set(folder=folder, connection=connection, state="on", destination=key, actor=actor)
            linked += 1
    audit_event_record(actor=actor, action="partners.usual_folders_link", target=connection,
                       firm_id=connection.installation.firm_id, data={"app": app.slug, "linked": linked})
    return linked


@transaction.atomic
def deliveries_backfill(*, folder: Folder, connection: Connection, actor: User) -> int:
    """'Envoyer les documents déjà présents' (firm admins, after confirmation): the documents of the
    subtree that are effectively on get a delivery, through the same records and the same uniqueness."""
    if not partners_policy.can(actor, "backfill.run") or connection.company_id != folder.company_id:
        raise PermissionDenied(_("Seul un administrateur du cabinet peut envoyer les documents déjà présents."))
    app = app_get(connection.installation.app_slug)
    created = 0
    for item in backfill_plan(folder=folder, connection=connection):
        created += len(deliveries_create(document=item.document, targets=[(app, item.destination)],
                                         trigger="backfill"))
    audit_event_record(actor=actor, action="partners.backfill", target=folder,
                       firm_id=connection.installation.firm_id,
                       data={"app": app.slug, "connection": connection.pk, "created": created})
    return created


# --- demo requests --------------------------------------------------------------------------------


def _demo_emails_send(*, request_id: int) -> None:
    demo = DemoRequest.objects.select_related("company", "firm", "requested_by").get(pk=request_id)
    app = app_get(demo.app_slug)
    requester = demo.requested_by
    subject = _("Demande de démo %(app)s – %(company)s") % {"app": app.name, "company": demo.company.name}
    body = _("Le cabinet %(firm)s souhaite une démonstration de %(app)s pour son client %(company)s "
             "(SIREN %(siren)s).\n\nContact : %(who)s <%(email)s>\n\n%(message)s\n") % {
        "firm": demo.firm.name, "app": app.name, "company": demo.company.name, "siren": demo.company.siren,
        "who": str(requester) if requester else "", "email": requester.email if requester else "",
        "message": demo.message}
    reply_to = [requester.email] if requester else []
    try:
        if app.demo_email:
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [app.demo_email], reply_to=reply_to).send()
        if requester:
            EmailMessage(_("Copie : %(subject)s") % {"subject": subject}, body, settings.DEFAULT_FROM_EMAIL,
                         [requester.email]).send()
    except MAIL_SEND_ERRORS:
        # The request is recorded; a mail relay outage must not turn the page into an error.
        logger.exception("demo request %s: email not sent", request_id)


@transaction.atomic
def demo_request_create(*, firm: Firm, company: Company, slug: str, actor: User, message: str = "") -> DemoRequest:
    app = app_get(slug)
    if company.firm_id != firm.pk:
        raise ValidationError({"company": _("Entreprise inconnue.")})
    demo = DemoRequest.objects.create(firm=firm, company=company, app_slug=app.slug, message=message.strip()[:2000],
                                      requested_by=actor)
    audit_event_record(actor=actor, action="partners.demo_request", target=demo, firm_id=firm.pk,
                       data={"app": app.slug, "company": company.pk})
    transaction.on_commit(lambda: _demo_emails_send(request_id=demo.pk))
    return demo


@transaction.atomic
def company_deliveries_stop(*, company: Company, actor: User | None) -> int:
    """An archived company sends nothing more: its pending deliveries are cancelled, with the reason."""
    cancelled = deliveries_cancel(deliveries=Delivery.objects.filter(company=company),
                                  reason=_("Entreprise archivée : les envois sont arrêtés."))
    audit_event_record(actor=actor, action="partners.company_deliveries_stop", target=company,
                       firm_id=company.firm_id, data={"cancelled": cancelled})
    return cancelled


# --- invoices completed by a person (deliveries « à compléter ») ----------------------------------


@transaction.atomic
def document_invoice_complete(*, document, number: str, customer_name: str, customer_siren: str = "",
                              amount: str, due_date: str = "", issue_date: str = "", currency: str = "EUR",
                              actor: User | None) -> int:
    """Record the invoice's data typed by a person; this document's deliveries waiting « à compléter » go out.

    Only the deliveries of this document are released, not those of its copies (a copy the firm keeps in
    a firm-only folder is the firm's to complete). The actor needs `invoice.complete` (firm staff, or a
    client admin where the firm allows it): 403 otherwise. Returns how many deliveries were released.
    Errors are keyed by field, nothing is written then.
    """
    from datetime import date
    from decimal import Decimal, InvalidOperation

    from comptoir.invoices.services import invoice_facts_enter
    from comptoir.partners.outbox import deliveries_complete

    if actor is not None:
        partners_policy.require(actor, "invoice.complete", document,
                                message=_("Votre rôle ne permet pas de compléter les données de cette facture."))
    errors: dict[str, list[str]] = {}
    number, customer_name, customer_siren = (number or "").strip(), (customer_name or "").strip(), \
        (customer_siren or "").replace(" ", "")
    if not number:
        errors["number"] = [_("Renseignez le numéro de la facture.")]
    if not customer_name:
        errors["customer_name"] = [_("Renseignez le client.")]
    if customer_siren and not (customer_siren.isdigit() and len(customer_siren) == 9):
        errors["customer_siren"] = [_("Un SIREN compte 9 chiffres.")]
    try:
        total = Decimal(str(amount).replace(",", ".").replace(" ", "").replace("\xa0", ""))
        if not total.is_finite() or total <= 0 or total.as_tuple().exponent < -2:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("Montant TTC invalide (par exemple 1200,00).")]
        total = None
    dates = {}
    for key, raw in (("due_date", due_date), ("issue_date", issue_date)):
        try:
            dates[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[key] = [_("Date invalide (AAAA-MM-JJ).")]
    currency = (currency or "EUR").strip().upper()
    if not (len(currency) == 3 and currency.isalpha()):
        errors["currency"] = [_("Devise invalide (code ISO à 3 lettres, par exemple EUR).")]
    if errors:
        raise ValidationError(errors)
    issued = dates["issue_date"] or timezone.localdate(document.deposited_at)
    invoice_facts_enter(document=document, number=number, buyer_name=customer_name, buyer_siren=customer_siren,
                        total_incl_tax=total, issue_date=issued, due_date=dates["due_date"], currency=currency)
    released = deliveries_complete(document=document)
    audit_event_record(actor=actor, action="invoices.completed", target=document, firm_id=document.company.firm_id,
                       data={"number": number, "amount": f"{total:.2f}", "released": released})
    return released


@transaction.atomic
def connection_secrets_rotate() -> int:
    """Re-encrypt every stored secret (connections' and installations') with the first of
    COMPTOIR_CREDENTIAL_KEYS (key rotation); how many rows."""
    from comptoir.partners.credentials import secrets_rotate

    rotated = 0
    for model in (Connection, Installation):
        field = "config" if model is Connection else "settings"
        for row in model.objects.select_for_update().exclude(**{field: {}}):
            value, changed = secrets_rotate(getattr(row, field) or {})
            if changed:
                setattr(row, field, value)
                row.save(update_fields=[field])
                rotated += 1
    audit_event_record(actor=None, action="partners.secrets_rotated", target=None, firm_id=None,
                       data={"rotated": rotated})
    return rotated


@transaction.atomic
def company_archive_and_stop(*, company: Company, actor: User) -> int:
    """Archive (read-only, nothing deleted) and cancel what was still to send; returns how many were cancelled."""
    company_archive(company=company, actor=actor)
    return company_deliveries_stop(company=company, actor=actor)
