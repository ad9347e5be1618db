"""The same appeal sent twice over the API (a double tap on the phone) is one appeal: the second is 400
with the Chinese reason and changes nothing."""

from tests.api.claims.conftest import user_of
from tests.workflows.helpers import nothing_changes
from workflows import messages
from workflows.models import Appeal

URL = "/api/v1/appeals/"


def test_the_same_appeal_filed_twice_over_the_api_is_one_appeal(as_user, world, publicity_a):
    _, _, theirs = publicity_a
    client = as_user(user_of(world, "member_a"))
    first = client.post(URL, {"entry": theirs.pk, "reason": "王芳当天不在社区"}, format="multipart")
    assert first.status_code == 201, first.json()
    with nothing_changes():
        second = client.post(URL, {"entry": theirs.pk, "reason": "王芳当天不在社区"}, format="multipart")
    assert second.status_code == 400
    assert second.json()["message"] == messages.APPEAL_DUPLICATE % {"filed": "2026年4月2日 09:00"}
    assert Appeal.objects.count() == 1
