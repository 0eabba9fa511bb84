"""A bare Flask hello-world: the ceiling of this machine, Flask and gunicorn together,
served beside Bitewise by bench/practice_load.py so that both shares come from one run."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, bool]:
    return {"ok": True}
