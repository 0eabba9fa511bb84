from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from scheduler.timing import ensure_utc, local_date, local_time


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(dt.datetime(2026, 3, 29, 1, 30))


def test_local_time_follows_daylight_saving() -> None:
    # Europe/Berlin springs forward at 01:00 UTC on 29 March 2026.
    before = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert local_time(before, zone="Europe/Berlin").hour == 1
    assert local_time(after, zone="Europe/Berlin").hour == 3


def test_local_date_is_the_learners_today() -> None:
    late_evening_in_new_york = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
    assert local_date(late_evening_in_new_york, zone="America/New_York") == dt.date(2026, 11, 2)
    assert local_date(late_evening_in_new_york, zone="Asia/Tokyo") == dt.date(2026, 11, 3)


def test_scheduler_imports_neither_flask_nor_sqlalchemy_nor_api() -> None:
    code = (
        "import sys, pkgutil, importlib, scheduler\n"
        "for m in pkgutil.walk_packages(scheduler.__path__, 'scheduler.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in {'flask', 'sqlalchemy', 'api'}]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
