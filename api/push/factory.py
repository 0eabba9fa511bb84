"""Choosing the push gateway from the configuration (in the worker, never per request)."""

from __future__ import annotations

import firebase_admin
from firebase_admin import messaging

from api.config import Config
from api.push.fcm import FcmGateway
from api.push.fcm_curl import CurlFcmGateway
from api.push.gateway import PushGateway
from api.push.local import LocalGateway


def make_gateway(config: Config, firebase_app: firebase_admin.App) -> PushGateway:
    if config.push_backend == "local":
        return LocalGateway()
    if config.fcm_endpoint:
        # firebase-admin reads this class attribute when an app's messaging service is
        # created, which FcmGateway does next.
        messaging._MessagingService.FCM_URL = (
            config.fcm_endpoint.rstrip("/") + "/v1/projects/{0}/messages:send"
        )
    if config.fcm_transport == "curl":
        # As many requests in flight as sending threads otherwise: the same bound on
        # what a killed worker can have sent without recording it.
        return CurlFcmGateway(firebase_app, in_flight=config.worker_threads)
    return FcmGateway(firebase_app, pool_size=max(config.worker_threads * 2, 16))
