"""What a view needs from the app it runs in, handed over explicitly."""

from __future__ import annotations

import datetime as dt

import firebase_admin
from flask import current_app
from sqlalchemy.orm import Session

from api.clock import Clock
from api.config import Config
from api.db import Database
from api.media.store import MediaStore
from api.services.kept_members import KeptMembers
from api.services.shown import KeptItems


def session() -> Session:
    db: Database = current_app.extensions["bitewise.db"]
    return db.session


def now() -> dt.datetime:
    clock: Clock = current_app.extensions["bitewise.clock"]
    return clock.now()


def firebase_app() -> firebase_admin.App:
    return current_app.extensions["bitewise.firebase"]


def media_store() -> MediaStore:
    return current_app.extensions["bitewise.media"]


def kept_items() -> KeptItems:
    """The items this app has shown already (``api.services.shown``)."""
    return current_app.extensions["bitewise.shown"]


def config() -> Config:
    return current_app.config["BITEWISE"]


def kept_members() -> KeptMembers:
    """The members this app has read already (``api.services.kept_members``)."""
    return current_app.extensions["bitewise.members"]
