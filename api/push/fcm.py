"""Firebase Cloud Messaging through firebase-admin's real HTTP code.

The worker owns retries: firebase-admin's own HTTP session would retry 500/503 four
times with backoff and sleep on a 429's Retry-After, blocking a worker for seconds or
minutes. We mount an adapter without status retries (one retry on a dropped connection
only) and reschedule the notification ourselves.
"""

from __future__ import annotations

import os
import warnings

import firebase_admin
import requests
from firebase_admin import exceptions, messaging
from urllib3.util import retry

from api.push.gateway import Failure, PushMessage, SendResult

# firebase-admin 7.7 deprecates Message.token for Message.fid (a Firebase installation
# id). The app registers FCM registration tokens, which FCM v1 addresses as
# message.token; we keep it and silence exactly that warning.
_TOKEN_DEPRECATION = "Message.token is deprecated. Use Message.fid instead."
_NO_STATUS_RETRIES = retry.Retry(
    total=1, connect=1, read=0, status=0, redirect=0, respect_retry_after_header=False
)


class FcmGateway:
    def __init__(self, app: firebase_admin.App, *, pool_size: int = 64) -> None:
        self._app = app
        # The messaging service of this app is created here, so the class attribute
        # FCM_URL (which tests point at a local stand-in) is read now.
        service = messaging._get_messaging_service(app)
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=pool_size, pool_maxsize=pool_size, max_retries=_NO_STATUS_RETRIES
        )
        session = service._client.session
        for prefix in ("http://", "https://", "https://fcm.googleapis.com"):
            session.mount(prefix, adapter)
        # requests reads the proxy variables of the environment on every call (a fifth of
        # a push's CPU, bench/send_cost.py). Read them once, for FCM's address: a proxy
        # (or no_proxy) set for the worker still applies, and so does a CA bundle.
        session.proxies.update(requests.utils.get_environ_proxies(service._fcm_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        session.trust_env = False

    def send(self, message: PushMessage) -> SendResult:
        fcm = fcm_message(message)
        try:
            return SendResult(message_id=messaging.send(fcm, app=self._app))
        except exceptions.FirebaseError as error:
            return classify(error)


def fcm_message(message: PushMessage) -> messaging.Message:
    """Our push in firebase-admin's message model (what FCM v1 is sent)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_TOKEN_DEPRECATION, category=DeprecationWarning)
        return messaging.Message(
            token=message.token,
            notification=messaging.Notification(title=message.title, body=message.body),
            data=message.data,
            android=messaging.AndroidConfig(collapse_key=message.collapse_key or None),
            apns=messaging.APNSConfig(
                headers={"apns-collapse-id": message.collapse_key} if message.collapse_key else None
            ),
        )


def classify(error: exceptions.FirebaseError) -> SendResult:
    """What firebase-admin's error for a send means to the dispatcher."""
    if isinstance(error, messaging.UnregisteredError):
        return SendResult(failure=Failure.UNREGISTERED, detail=str(error))
    if isinstance(error, messaging.SenderIdMismatchError):
        return SendResult(failure=Failure.SENDER_MISMATCH, detail=str(error))
    if isinstance(error, messaging.QuotaExceededError):
        return SendResult(failure=Failure.QUOTA, retry_after=_retry_after(error), detail=str(error))
    if isinstance(
        error,
        exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.UnknownError,
    ):
        return SendResult(
            failure=Failure.UNAVAILABLE, retry_after=_retry_after(error), detail=str(error)
        )
    if isinstance(error, exceptions.InvalidArgumentError):
        return SendResult(failure=Failure.INVALID, detail=str(error))
    return SendResult(failure=Failure.UNKNOWN, detail=f"{error.code}: {error}")


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = getattr(error, "http_response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
