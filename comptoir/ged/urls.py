from django.urls import path

from comptoir.ged.views import bulk, documents, folders, pages, search, trash

app_name = "ged"
urlpatterns = [
    path("entreprise/<int:company_id>/", pages.company_ged, name="company"),
    path("entreprise/<int:company_id>/dossiers/nouveau/", folders.folder_create, name="folder_create"),
    path("entreprise/<int:company_id>/corbeille/", trash.trash_page, name="trash"),
    path("entreprise/<int:company_id>/corbeille/dossier/<int:folder_id>/restaurer/", trash.folder_restore,
         name="folder_restore"),
    path("entreprise/<int:company_id>/corbeille/document/<int:document_id>/restaurer/", trash.document_restore,
         name="document_restore"),
    path("entreprise/<int:company_id>/corbeille/restaurer/", bulk.trash_bulk_restore, name="trash_bulk_restore"),
    path("recherche/", search.search_page, name="search"),
    path("dossier/<int:folder_id>/", pages.folder_page, name="folder"),
    path("dossier/<int:folder_id>/lot/", bulk.folder_bulk, name="bulk"),
    path("dossier/<int:folder_id>/documents/", pages.folder_documents, name="folder_documents"),
    path("dossier/<int:folder_id>/televerser/", documents.document_upload, name="upload"),
    path("dossier/<int:folder_id>/renommer/", folders.folder_rename, name="folder_rename"),
    path("dossier/<int:folder_id>/deplacer/", folders.folder_move, name="folder_move"),
    path("dossier/<int:folder_id>/supprimer/", folders.folder_trash, name="folder_trash"),
    path("document/<int:document_id>/", pages.document_preview, name="document"),
    path("document/<int:document_id>/telecharger/", documents.document_download, name="download"),
    path("document/<int:document_id>/contenu/", documents.document_content, name="content"),
    path("document/<int:document_id>/vignette/", documents.document_thumbnail, name="thumbnail"),
    path("document/<int:document_id>/page/", documents.document_page_image, name="page_image"),
    path("document/<int:document_id>/menu/", pages.document_menu, name="document_menu"),
    path("document/<int:document_id>/renommer/", documents.document_rename, name="document_rename"),
    path("document/<int:document_id>/deplacer/", documents.document_move, name="document_move"),
    path("document/<int:document_id>/copier/", documents.document_copy, name="document_copy"),
    path("document/<int:document_id>/supprimer/", documents.document_trash, name="document_trash"),
]
