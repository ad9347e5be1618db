"""``Authorization: Token <key>``: the key is hashed and looked up; expired or revoked tokens are 401."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from api.models import ApiToken
from api.services import token_lookup

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式有误")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("令牌格式有误") from exc
        token = token_lookup(key)
        now = timezone.now()
        if token is None or not token.is_valid_at(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已吊销")
        if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
