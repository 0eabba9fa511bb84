"""What media cost: renditions of phone photos, serving a video in ranges, a large upload.

Run:
    .venv/bin/python bench/media_cost.py [--photos 4] [--seconds 10] [--upload-mb 200]

1. Renditions: a 12-megapixel JPEG (4000 x 3000, camera-like: gradients, detail, EXIF
   with GPS) through ``api.media.renditions.image_renditions`` (3 widths x WebP and JPEG,
   and the ThumbHash), each in a fresh process: CPU seconds per photo (photos per second
   per core) and that process's peak memory.
2. Serving: gunicorn (2 sync workers, SQLite) serving a 50 MB video from the local store
   by its signed URL, 8 clients asking for random 1 MB ranges over keep-alive
   connections: requests/s, MB/s and the workers' peak memory (VmHWM).
3. Upload: a 200 MB MP4 (made by ffmpeg) PUT to the upload address of a running gunicorn
   worker: the time, and the worker's peak memory before and after (streamed in 1 MB
   chunks, the worker must not hold the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from api.db import create_engine_for  # noqa: E402
from api.dev_tokens import emulator_id_token  # noqa: E402
from tests.databases import migrate  # noqa: E402
from tests.live import PROJECT_ID, live_server  # noqa: E402


def camera_photo(path: Path) -> None:
    width, height = 4000, 3000
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.35)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())


_ONE_PHOTO = """
import resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
from api.media.renditions import image_renditions
started = time.process_time()
with tempfile.TemporaryDirectory() as work:
    made, placeholder = image_renditions(Path({photo!r}), Path(work))
print(time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(made))
"""


def renditions(photos: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        photo = Path(work) / "photo.jpg"
        camera_photo(photo)
        size = photo.stat().st_size / 1e6
        cpu, peak = [], []
        for _ in range(photos):
            out = subprocess.run(
                [sys.executable, "-c", _ONE_PHOTO.format(root=str(ROOT), photo=str(photo))],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            cpu.append(float(out[0]))
            peak.append(int(out[1]) / 1024)
        median = sorted(cpu)[len(cpu) // 2]
        print(
            f"renditions of a 12 MP JPEG ({size:.1f} MB), {out[2]} files each: "
            f"{median:.2f} s CPU per photo ({1 / median:.2f} photos/s per core), "
            f"peak memory {max(peak):.0f} MB per process (Python and Pillow included)"
        )


def _seed(url: str, store: Path, video: Path) -> tuple[str, str]:
    """An organization, an admin, and the video as an asset; its signed URL and the
    admin's token."""
    from sqlalchemy.orm import Session

    from api.media import delivery
    from api.media.store import LocalStore
    from api.models import MediaAsset, MediaKind
    from api.services import membership

    engine = create_engine_for(url)
    migrate(engine)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        organization, admin = membership.create_organization(
            session, name="Media Co", admin_email="admin@media.example", now=now
        )
        admin.firebase_uid = "media-admin"
        sha = "5" * 64
        LocalStore(store).put(f"{organization.id}/{sha}/original", video, "video/mp4")
        session.add(
            MediaAsset(
                organization_id=organization.id,
                sha256=sha,
                kind=MediaKind.VIDEO,
                content_type="video/mp4",
                size_bytes=video.stat().st_size,
                renditions=[],
                created_at=now,
            )
        )
        session.commit()
        signed = delivery.signed(organization, sha, delivery.ORIGINAL, now)
    token = emulator_id_token(
        project_id=PROJECT_ID,
        uid="media-admin",
        email="admin@media.example",
        lifetime=dt.timedelta(hours=1),
    )
    return signed, token


def _worker_peaks(port: int) -> list[float]:
    """VmHWM (MB) of the gunicorn workers listening on ``port``."""
    peaks = []
    master = subprocess.run(
        ["pgrep", "-f", f"gunicorn.*{port}|gunicorn -c gunicorn.conf.py"],
        capture_output=True,
        text=True,
    ).stdout.split()
    for pid in master:
        children = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True)
        for child in children.stdout.split():
            status = Path(f"/proc/{child}/status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
            peaks.append(int(line.split()[1]) / 1024)
    return peaks


def serving(seconds: float, clients: int, base: str, signed: str, size: int) -> None:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        rng = random.Random(n)
        while time.monotonic() < stop:
            start = rng.randrange(0, size - 2**20)
            connection.request(
                "GET", signed, headers={"Range": f"bytes={start}-{start + 2**20 - 1}"}
            )
            response = connection.getresponse()
            body = response.read()
            assert response.status == 206 and len(body) == 2**20, response.status
            done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    total = sum(done)
    peaks = _worker_peaks(port or 0)
    print(
        f"serving 1 MB ranges of a {size / 2**20:.0f} MB video, {clients} clients: "
        f"{total / took:,.0f} requests/s, {total / took:,.0f} MB/s; gunicorn workers' peak "
        f"memory {', '.join(f'{p:.0f}' for p in peaks)} MB"
    )


def upload(base: str, token: str, megabytes: int, work: Path) -> None:
    video = work / "big.mp4"
    seconds = max(4, megabytes // 5)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
         f"testsrc2=duration={seconds}:size=1280x720:rate=25,noise=alls=80:allf=t",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", f"{megabytes * 8 // seconds}M",
         "-pix_fmt", "yuv420p", "-y", str(video)],
        check=True,
    )  # fmt: skip
    size = video.stat().st_size
    host, port = urlsplit(base).hostname, urlsplit(base).port
    before = _worker_peaks(port or 0)
    connection = http.client.HTTPConnection(host, port, timeout=600)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection.request(
        "POST",
        "/media/uploads",
        body=f'{{"size_bytes": {size}, "transcript": "Bars."}}',
        headers=auth,
    )
    answer = connection.getresponse()
    address = __import__("json").loads(answer.read())["upload_url"]
    started = time.monotonic()
    with video.open("rb") as body:
        connection.request(
            "PUT",
            address,
            body=body,
            headers={
                **auth,
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
            },
        )
        response = connection.getresponse()
        text = response.read()
    took = time.monotonic() - started
    after = _worker_peaks(port or 0)
    print(
        f"upload of a {size / 2**20:.0f} MB MP4 through PUT: {response.status} in {took:.1f} s "
        f"({size / 2**20 / took:.0f} MB/s, inspection and poster included); workers' peak "
        f"memory before {', '.join(f'{p:.0f}' for p in before)} MB, after "
        f"{', '.join(f'{p:.0f}' for p in after)} MB"
    )
    assert response.status == 201, text[:300]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--upload-mb", type=int, default=200)
    args = parser.parse_args()
    renditions(args.photos)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        video = work / "fifty.mp4"
        video.write_bytes(io.BytesIO(random.randbytes(50 * 2**20)).getvalue())
        url = f"sqlite:///{work / 'media.db'}"
        store = work / "media"
        signed, token = _seed(url, store, video)
        with live_server(
            url, workers=2, BITEWISE_MEDIA_DIR=str(store), BITEWISE_RATE_LIMITS="off"
        ) as base:
            serving(args.seconds, args.clients, base, signed, video.stat().st_size)
            upload(base, token, args.upload_mb, work)
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
