import pytest


@pytest.mark.django_db
def test_healthz_answers_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_each_service(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_names_the_failed_service(client, monkeypatch):
    from core import views

    def broken():
        raise ConnectionError("refused")

    monkeypatch.setitem(views.READINESS_CHECKS, "cache", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_fails_when_broker_unreachable(client, settings):
    from campaign_site.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed"


@pytest.mark.django_db
def test_robots_and_sitemap(client):
    from tests.factories import CampaignPageFactory, make_site

    home = make_site()
    CampaignPageFactory(parent=home, title="Get support", slug="get-support")
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in robots.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert "/get-support/" in sitemap.content.decode()
