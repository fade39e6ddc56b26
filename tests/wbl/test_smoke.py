from tests.support.builders import make_user
from wbl.access import Role


def test_home_redirects_anonymous_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_staff_home(client, login_as):
    login_as(make_user(roles={Role.STAFF}))
    response = client.get("/home")
    assert response.status_code == 200
    assert "Program overview" in response.get_data(as_text=True)
