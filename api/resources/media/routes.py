"""Media: admins upload images, audio and video; phones fetch them by signed URL."""

from __future__ import annotations

from flask import redirect, request, send_file
from flask.views import MethodView
from flask_smorest import Page
from werkzeug.wrappers import Response as BaseResponse

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.errors import NotFound
from api.limits import per_user
from api.media import delivery
from api.media.gcs import INCOMING, GcsStore
from api.media.store import LocalStore
from api.models import Organization
from api.resources.media.schemas import (
    MEDIA_EXAMPLE,
    SHA,
    UPLOAD_EXAMPLE,
    UPLOAD_IN_EXAMPLE,
    UPLOAD_KEY_EXAMPLE,
    MediaPatchSchema,
    MediaSchema,
    UploadInSchema,
    UploadSchema,
)
from api.services import media

blp = Blueprint(
    "media",
    __name__,
    url_prefix="/media",
    description="Images (JPEG, PNG, WebP), audio (M4A, MP3) and short video (MP4) for lessons "
    "and items. Upload in two steps: ask for an upload address, then PUT the bytes to it. "
    "What a file is comes from its bytes; images are served only as renditions without their "
    "camera metadata. Phones fetch files by signed URLs that expire.",
)

_BINARY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
_FILE = {"schema": {"type": "string", "format": "binary"}}
_TOKEN = {
    "in": "path",
    "name": "token",
    "required": True,
    "description": "The secret part of `upload_url`, from POST /media/uploads.",
    "schema": {"type": "string", "example": UPLOAD_KEY_EXAMPLE},
}


def _described(asset: object) -> dict:
    organization = deps.session().get(Organization, current_user().organization_id)
    assert organization is not None
    return delivery.describe(asset, organization, deps.now())  # type: ignore[arg-type]


@blp.route("/uploads")
class Uploads(MethodView):
    @blp.access(ADMIN)
    @blp.limit(per_user("30/minute"))
    @blp.arguments(UploadInSchema, example=UPLOAD_IN_EXAMPLE)
    @blp.response(201, UploadSchema, example=UPLOAD_EXAMPLE)
    @blp.errors(413, 422)
    def post(self, data: dict) -> dict:
        """Ask for an upload address (valid for an hour)

        Then PUT exactly `size_bytes` bytes to `upload_url` (`Content-Type:
        application/octet-stream`), then POST to `complete_url` for the media file. On the
        local store the PUT goes to the API and already answers with it; on a bucket it
        goes straight to the bucket. At most 200 uploads and 5 GB a day per admin; per file
        at most 20 MB for an image, 50 MB for audio, 250 MB for video (the deployment may
        set other limits).
        """
        upload = media.begin_upload(
            deps.session(), actor=current_user(), data=data, config=deps.config(), now=deps.now()
        )
        store = deps.media_store()
        address = (
            # Straight to the bucket: the bytes never pass through a web worker.
            store.signed_put(f"{INCOMING}{upload.address_key}", media.UPLOAD_TTL)
            if isinstance(store, GcsStore)
            else f"/media/uploads/{upload.address_key}"
        )
        return {
            "id": upload.id,
            "upload_url": address,
            "complete_url": f"/media/uploads/{upload.address_key}/complete",
            "method": "PUT",
            "size_bytes": upload.size_bytes,
            "expires_at": upload.expires_at,
        }


@blp.route(
    "/uploads/<string:token>",
    parameters=[_TOKEN],
)
class Upload(MethodView):
    @blp.access(ADMIN)
    @blp.doc(requestBody=_BINARY)
    @blp.response(201, MediaSchema, example=MEDIA_EXAMPLE)
    @blp.alt_response(
        200,
        schema=MediaSchema,
        description="The same file was uploaded before: that asset",
        example=MEDIA_EXAMPLE,
    )
    @blp.errors(404, 409, 413, 422)
    def put(self, token: str) -> tuple[dict, int]:
        """Send the file's bytes (streamed to disk, never held in memory)

        The bytes decide what the file is. Refused, with nothing stored: another type, a
        file that does not decode, an image of too many pixels, a file that is also
        something else (a polyglot), more or fewer bytes than announced. Sending the same
        upload again answers the same.
        """
        config = deps.config()
        # This route alone takes large bodies; it reads them in chunks.
        request.max_content_length = max(media.limits(config).values())
        asset, created = media.receive(
            deps.session(),
            actor=current_user(),
            token=token,
            body=request.stream,
            store=deps.media_store(),
            config=config,
            now=deps.now(),
        )
        return _described(asset), 201 if created else 200


@blp.route(
    "/uploads/<string:token>/complete",
    parameters=[_TOKEN],
)
class UploadComplete(MethodView):
    @blp.access(ADMIN)
    @blp.response(201, MediaSchema, example=MEDIA_EXAMPLE)
    @blp.alt_response(
        200,
        schema=MediaSchema,
        description="Already complete, or the same file was uploaded before: that asset",
        example=MEDIA_EXAMPLE,
    )
    @blp.errors(404, 409, 413, 422)
    def post(self, token: str) -> tuple[dict, int]:
        """Finish an upload: check the bytes and make the media file

        After the PUT to `upload_url`. The same checks as the PUT to the API (the bytes
        decide the type; bad files leave nothing stored). 409 `upload_incomplete` until the
        bytes have arrived. Calling it again answers the same.
        """
        asset, created = media.complete(
            deps.session(),
            actor=current_user(),
            token=token,
            store=deps.media_store(),
            config=deps.config(),
            now=deps.now(),
        )
        return _described(asset), 201 if created else 200


@blp.route("")
class MediaList(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, MediaSchema(many=True), example=[MEDIA_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page) -> list:
        """The organization's media, newest first

        Admins only. Each with its renditions and URLs signed for a day or two.
        """
        assets = page_of(pagination_parameters, media.list_assets, actor=current_user())
        return [_described(asset) for asset in assets]


@blp.route("/<id:media_id>")
class MediaItem(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, MediaSchema, example=MEDIA_EXAMPLE)
    @blp.errors(404)
    def get(self, media_id: int) -> dict:
        """One media file: what it is, its renditions and signed URLs

        Admins only, of their own organization. The URLs change once a day; fetch them again
        rather than keeping them.
        """
        return _described(media.get_asset(deps.session(), actor=current_user(), asset_id=media_id))

    @blp.access(ADMIN)
    @blp.arguments(MediaPatchSchema, example={"alt_text": "The feedback card, three steps."})
    @blp.response(200, MediaSchema, example=MEDIA_EXAMPLE)
    @blp.errors(404)
    def patch(self, changes: dict, media_id: int) -> dict:
        """Change an image's alt text or a recording's transcript

        Admins only. Content that uses a file is published only when the file has its text
        (alt text for images, a transcript or captions for audio and video).
        """
        asset = media.update_texts(
            deps.session(), actor=current_user(), asset_id=media_id, changes=changes
        )
        return _described(asset)


@blp.route(
    "/files/<id:organization_id>/<string:sha256>/<string:name>",
    parameters=[
        {
            "in": "path",
            "name": name,
            "required": True,
            "description": description,
            "schema": {"type": kind, "example": example},
        }
        for name, kind, example, description in (
            ("organization_id", "integer", 1, "The organization the file belongs to."),
            ("sha256", "string", SHA, "The SHA-256 of the uploaded file."),
            (
                "name",
                "string",
                "w640.webp",
                "`original`, a rendition such as `w640.webp`, or `poster.jpg`.",
            ),
        )
    ],
)
@blp.doc(
    security=[],
    responses={
        "200": {"description": "The file", "content": {"image/*": _FILE, "audio/*": _FILE,
                                                       "video/*": _FILE}},
        "206": {"description": "The requested byte range (Range requests)"},
        "302": {"description": "On a bucket: to the bucket's signed URL for the file"},
        "304": {"description": "Not modified (If-None-Match)"},
    },
)  # fmt: skip
@blp.errors(404, 429, 503)
def media_file(organization_id: int, sha256: str, name: str) -> BaseResponse:
    """A media file, by the signed URL the API gave out

    No bearer token: the URL is the permission, until `expires`. Strong ETag, `Range`
    requests and a cache lifetime up to the expiry (the bytes never change).
    """
    session = deps.session()
    organization = session.get(Organization, organization_id)
    now = deps.now()
    try:
        expires = int(request.args.get("expires", ""))
    except ValueError:
        expires = 0
    path = delivery.path_of(organization_id, sha256, name)
    if organization is None or not delivery.valid(
        organization, path, expires, request.args.get("signature", ""), now
    ):
        raise NotFound("No file at this address, or its URL has expired.")
    asset = media.asset_by_hash(session, organization_id=organization_id, sha256=sha256)
    content_type = delivery.servable(asset).get(name) if asset is not None else None
    store = deps.media_store()
    key = delivery.store_key(organization_id, sha256, name)
    if content_type is None:
        raise NotFound("No file at this address, or its URL has expired.")
    if isinstance(store, GcsStore):
        # The bucket serves the bytes (Range, ETag); this address stays the stable one.
        response = redirect(store.signed_get(key, content_type), code=302)
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    assert isinstance(store, LocalStore)
    if not store.exists(key):
        raise NotFound("No file at this address, or its URL has expired.")
    response = send_file(
        store.path(key),
        mimetype=content_type,
        conditional=True,
        etag=f"{sha256}-{name}",
        max_age=max(expires - int(now.timestamp()), 0),
        last_modified=None,
    )
    response.cache_control.immutable = True
    return response
