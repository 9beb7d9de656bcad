"""Request and response bodies of API v1."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    error: str = Field(description="code stable pour les programmes (not_found, forbidden, invalid…)")
    detail: Any = Field(description="message lisible, ou erreurs par champ")


class CompanyIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    siren: str
    siret: str = ""
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None


class CompanyOut(Schema):
    id: int
    name: str
    siren: str
    siret: str
    fiscal_year_start: date
    fiscal_year_end: date


class CompanyDetailOut(CompanyOut):
    # The company's collection mailboxes (purchases, sales…) by purpose, once intake provides them.
    mailboxes: dict[str, Any] = Field(default_factory=dict)


class FolderIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    parent_id: int | None = None
    firm_only: bool = False


class FolderOut(Schema):
    id: int
    name: str
    parent_id: int | None
    path: str = Field(description="chemin lisible depuis la racine, séparé par « / »")


class DocumentOut(Schema):
    id: int
    name: str
    folder_id: int
    size: int
    sha256: str
    content_type: str
    channel: str
    deposited_at: datetime


class DeliveryOut(Schema):
    """One send of the document (or of a copy of it) to a partner destination."""

    id: int
    app: str
    destination: str
    address: str
    status: str
    reason: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    created_at: datetime


class InvoicePartyOut(Schema):
    name: str | None
    siren: str | None
    siret: str | None
    vat_number: str | None
    country: str | None


class InvoiceOut(Schema):
    """What the document's e-invoice says (Factur-X, UBL or CII), read on deposit."""

    kind: Literal["invoice", "corrective_invoice", "prepayment_invoice", "self_billed_invoice", "credit_note",
                  "other"]
    kind_label: str = Field(description="le nom du document selon son code de type (UNTDID 1001) : « Facture "
                                        "affacturée », « Avoir », « Bon de commande »…")
    type_code: str | None
    number: str | None
    issue_date: str | None = Field(description="ISO date, e.g. 2027-01-31")
    due_date: str | None
    currency: str | None
    total_excl_tax: str | None = Field(description='decimal string, e.g. "1200.00"')
    total_tax: str | None
    total_incl_tax: str | None
    amount_due: str | None
    seller: InvoicePartyOut
    buyer: InvoicePartyOut
    source: Literal["factur-x", "ubl", "cii", "zugferd-1", "order-x"]
    profile: str | None
    warnings: list[str]
    misfiled: Literal["purchase_in_sales", "sales_in_purchases"] | None = Field(
        description="a payable filed on the wrong side: a purchase invoice in Ventes, or a sales invoice in Achats")


class ReceivableOut(Schema):
    app: str
    state: Literal["open", "overdue", "partially_paid", "paid"]
    amount_outstanding: str | None
    currency: str
    synced_at: str


class DocumentDetailOut(DocumentOut):
    deliveries: list[DeliveryOut] = Field(default_factory=list)
    invoice_status: Literal["none", "read", "unreadable"] = "none"
    invoice_unreadable_reason: str | None = Field(
        default=None, description="pourquoi les données de facture n'ont pas pu être lues (si `unreadable`)")
    invoice: InvoiceOut | None = None
    # What a receivables partner (Upflow by API) says of the invoice; null until the first sync.
    receivable: ReceivableOut | None = None


class DocumentMoveIn(Schema):
    folder_id: int


class SearchHitOut(Schema):
    """A document whose name, folder path or text has every word of the query (as a prefix)."""

    id: int
    name: str
    folder_id: int
    folder_path: str = Field(description="chemin lisible du dossier depuis la racine (comme FolderOut.path)")
    company_id: int
    snippet: str = Field(description="le passage qui correspond, en texte brut")


# A row id as the database can hold it: larger or negative numbers are a 422, not a 500 at the query.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class DocumentIdsIn(Schema):
    document_ids: list[RowId] = Field(min_length=1, max_length=1000)


class DocumentBulkMoveIn(DocumentIdsIn):
    folder_id: RowId


class BulkItemOut(Schema):
    """One document of a bulk action: done, or refused with a stable code and a message."""

    id: int
    ok: bool
    error: str | None = None
    detail: str = ""


class NameIn(Schema):
    name: str = Field(min_length=1, max_length=200)


class FolderMoveIn(Schema):
    parent_id: RowId | None = Field(None, description="le nouveau parent ; null : à la racine de l'entreprise")


class FolderTrashIn(Schema):
    confirm_name: str = Field("", max_length=200,
                              description="le nom exact du dossier, exigé pour un dossier annuel (comme à l'écran)")


class DocumentTargetIn(Schema):
    folder_id: RowId


class TrashItemOut(Schema):
    """A folder (with what it holds) or a document in the company's trash."""

    kind: Literal["folder", "document"]
    id: int
    name: str
    path: str = Field(description="où il était : chemin du dossier depuis la racine, séparé par « / »")
    deleted_at: datetime
    deleted_by: str | None = Field(description="adresse de qui l'a mis à la corbeille")


class CompanyEditIn(Schema):
    """Only the fields given change; the others keep their value."""

    name: str | None = Field(None, min_length=1, max_length=200)
    siren: str | None = Field(None, max_length=11)
    siret: str | None = Field(None, max_length=17)
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None
    create_exercise_folders: bool = Field(False, description="poser les dossiers du nouvel exercice (rien n'est "
                                                             "supprimé ni renommé)")


class CompanyArchiveOut(CompanyOut):
    archived_at: datetime | None
    cancelled_deliveries: int = Field(0, description="envois en attente annulés par l'archivage")


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: str


class MemberRoleIn(Schema):
    role: Literal["client_admin", "client_member"]


class InvitationIn(Schema):
    email: str = Field(max_length=254, description="une adresse mal formée : 400")
    role: Literal["client_admin", "client_member"] = "client_member"


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    expires_at: datetime
    created_at: datetime | None = None


class FirmOut(Schema):
    name: str
    slug: str
    primary_color: str
    accent_color: str
    sender_name: str
    has_logo: bool


class FirmIn(Schema):
    """Only the fields given change."""

    name: str | None = Field(None, min_length=1, max_length=200)
    primary_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    accent_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    sender_name: str | None = Field(None, max_length=100)
