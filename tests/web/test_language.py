from django.conf import settings


def test_french_by_default_even_for_an_english_browser(admin_client):
    response = admin_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert "Entreprises" in response.content.decode()


def test_english_when_chosen_with_the_language_switch(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.get("/")
    assert response["Content-Language"] == "en"
    assert "Companies" in response.content.decode()
