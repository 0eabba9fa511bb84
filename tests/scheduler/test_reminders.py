from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduler.reminders import MIN_GAP, Engagement, Rules, at_send, plan_push

WEEK = frozenset(range(7))
WORKDAYS = frozenset(range(5))


def rules(zone: str = "Europe/Berlin", **overrides) -> Rules:
    base = {
        "zone": zone,
        "window_start": dt.time(8, 30),
        "window_end": dt.time(17, 30),
        "working_days": WORKDAYS,
        "max_per_day": 2,
    }
    return Rules(**{**base, **overrides})


def local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def plan(now, r, engagement=None, booked=None, kind="practice"):
    return plan_push(
        kind, now=now, rules=r, engagement=engagement or Engagement(), booked=booked or {}
    )


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # Berlin springs forward on Sunday 29 March 2026, falls back on Sunday 25 October.
        ("Europe/Berlin", dt.date(2026, 3, 28), dt.date(2026, 3, 29)),
        ("Europe/Berlin", dt.date(2026, 10, 24), dt.date(2026, 10, 25)),
        # New York springs forward on 8 March 2026, falls back on 1 November.
        ("America/New_York", dt.date(2026, 3, 7), dt.date(2026, 3, 8)),
        ("America/New_York", dt.date(2026, 10, 31), dt.date(2026, 11, 1)),
    ],
)
def test_the_window_stays_put_in_local_time_across_daylight_saving(zone, before, after) -> None:
    r = rules(zone, working_days=WEEK)
    times = []
    for day in (before, after):
        midnight = dt.datetime.combine(day, dt.time(0, 5), tzinfo=ZoneInfo(zone))
        planned = plan(midnight, r)
        assert planned is not None and planned.local_day == day
        times.append(planned.send_at)
        assert local(planned.send_at, zone).time() == dt.time(8, 30)
        assert local(planned.expires_at, zone).time() == dt.time(17, 30)
    # Same wall clock, different UTC instant: the offset changed by an hour.
    shift = (times[1] - times[0]) - dt.timedelta(days=1)
    assert abs(shift) == dt.timedelta(hours=1)


def test_a_window_start_skipped_by_spring_forward_means_just_after_the_change() -> None:
    r = rules(working_days=WEEK, window_start=dt.time(2, 30), window_end=dt.time(9, 0))
    planned = plan(utc(2026, 3, 28, 23, 0), r)  # 00:00 in Berlin on the change day
    assert planned is not None
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(3, 0)
    assert planned.send_at == utc(2026, 3, 29, 1, 0)
    # A window of 02:30-03:30 is half an hour that night, not none: the day is not lost
    # (it opened at 03:30 and closed at 03:30).
    short = rules(working_days=WEEK, window_start=dt.time(2, 30), window_end=dt.time(3, 30))
    planned = plan(utc(2026, 3, 28, 23, 0), short)
    assert planned is not None and planned.local_day == dt.date(2026, 3, 29)
    assert planned.send_at == utc(2026, 3, 29, 1, 0)


def test_inside_the_window_it_is_now_and_after_it_the_next_working_day() -> None:
    monday_10 = utc(2026, 3, 2, 9, 0)  # 10:00 Berlin
    planned = plan(monday_10, rules())
    assert planned.send_at == monday_10 + dt.timedelta(seconds=5)
    friday_evening = utc(2026, 3, 6, 18, 0)  # 19:00 Berlin
    planned = plan(friday_evening, rules())
    assert planned.local_day == dt.date(2026, 3, 9)  # Monday, not the weekend
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(8, 30)


def test_holidays_pauses_and_quiet_hours() -> None:
    monday = utc(2026, 3, 2, 6, 0)
    assert plan(monday, rules(holidays=frozenset({dt.date(2026, 3, 2)}))).local_day == dt.date(
        2026, 3, 3
    )
    assert plan(monday, rules(paused_until=dt.date(2026, 3, 5))).local_day == dt.date(2026, 3, 5)
    lunch = utc(2026, 3, 2, 11, 15)  # 12:15 Berlin, inside 12:00-13:00 quiet hours
    planned = plan(lunch, rules(quiet=(dt.time(12), dt.time(13))))
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(13, 0)


def test_caps_and_one_of_a_kind_per_day() -> None:
    monday = utc(2026, 3, 2, 9, 0)
    day = dt.date(2026, 3, 2)
    assert plan(monday, rules(), booked={day: ["practice"]}).local_day == dt.date(2026, 3, 3)
    assert plan(monday, rules(), booked={day: ["practice"]}, kind="recap").local_day == day
    full = {day: ["recap", "apply"]}
    assert plan(monday, rules(max_per_day=2), booked=full).local_day == dt.date(2026, 3, 3)


def test_preferred_hours_are_used_when_still_ahead() -> None:
    monday_early = utc(2026, 3, 2, 7, 0)  # 08:00 Berlin
    habits = Engagement(opened_hours={14: 5, 9: 1})  # opens at 14:xx; one open at 9 is noise
    planned = plan(monday_early, rules(), engagement=habits)
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(14, 0)
    monday_late = utc(2026, 3, 2, 15, 0)  # 16:00 Berlin: 14:00 has passed
    planned = plan(monday_late, rules(), engagement=habits)
    assert planned.local_day == dt.date(2026, 3, 2)
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(16, 0, 5)


@pytest.mark.parametrize(("ignored", "next_day"), [(2, 2), (3, 4), (4, 5), (20, 9)])
def test_ignored_pushes_make_pushes_rarer(ignored: int, next_day: int) -> None:
    monday = utc(2026, 3, 2, 9, 0)
    engagement = Engagement(ignored_in_a_row=ignored, last_sent_at=utc(2026, 3, 2, 7, 30))
    planned = plan(monday, rules(working_days=WEEK), engagement=engagement, booked={})
    expected = dt.date(2026, 3, 2) if ignored < 3 else dt.date(2026, 3, next_day)
    assert planned.local_day == expected


def test_nothing_when_no_day_in_the_horizon_allows_it() -> None:
    assert plan(utc(2026, 3, 2, 9, 0), rules(working_days=frozenset())) is None


def test_dedupe_key_names_kind_and_local_day() -> None:
    late_evening_ny = utc(2026, 3, 3, 2, 0)  # 21:00 on 2 March in New York
    planned = plan(late_evening_ny, rules("America/New_York", window_end=dt.time(23, 0)))
    assert planned.dedupe_key == "practice:2026-03-02"


def test_quiet_hours_over_midnight_leave_only_the_day_between() -> None:
    # Quiet 17:00-09:00: the window 08:30-17:30 is open from 09:00 to 17:00 only.
    r = rules(quiet=(dt.time(17, 0), dt.time(9, 0)))
    early = plan(utc(2026, 3, 2, 6, 0), r)  # 07:00 Berlin, Monday
    assert local(early.send_at, "Europe/Berlin").time() == dt.time(9, 0)
    late = plan(utc(2026, 3, 2, 16, 5), r)  # 17:05 Berlin: quiet until tomorrow 09:00
    assert late.local_day == dt.date(2026, 3, 3)
    assert local(late.send_at, "Europe/Berlin").time() == dt.time(9, 0)


def test_a_backed_off_day_gets_one_push_not_the_daily_cap() -> None:
    ignored = Engagement(ignored_in_a_row=3, last_sent_at=utc(2026, 3, 2, 9, 0))
    day = dt.date(2026, 3, 4)  # two days after the last push
    first = plan(utc(2026, 3, 4, 8, 0), rules(), ignored, booked={})
    assert first.local_day == day
    second = plan(utc(2026, 3, 4, 8, 0), rules(), ignored, booked={day: {"practice"}}, kind="recap")
    assert second is None or second.local_day > day


def test_at_send_the_push_follows_the_learner_as_they_are_now() -> None:
    tuesday_0830 = utc(2026, 3, 3, 7, 30)  # 08:30 Berlin
    now_rules = rules()

    def decide(r, booked=None):
        return at_send(
            "practice", now=tuesday_0830, rules=r, engagement=Engagement(), booked=booked or {}
        )

    assert decide(now_rules).send
    paused = decide(rules(paused_until=dt.date(2026, 3, 9)))
    assert not paused.send and paused.planned.local_day == dt.date(2026, 3, 9)
    capped = decide(rules(max_per_day=0))
    assert not capped.send and capped.planned is None and "no moment" in capped.reason
    no_tuesday = decide(rules(working_days=frozenset({0, 2, 3, 4})))
    assert no_tuesday.planned.local_day == dt.date(2026, 3, 4)
    afternoon = decide(rules(window_start=dt.time(14, 0)))
    assert local(afternoon.planned.send_at, "Europe/Berlin").time() == dt.time(14, 0)
    quiet = decide(rules(quiet=(dt.time(8, 0), dt.time(10, 0))))
    assert local(quiet.planned.send_at, "Europe/Berlin").time() == dt.time(10, 0)
    # Moved to New York: 02:30 there. The push waits for 08:30 New York time.
    moved = decide(rules("America/New_York"))
    assert not moved.send and local(moved.planned.send_at, "America/New_York").time() == dt.time(
        8, 30
    )
    full = decide(now_rules, booked={dt.date(2026, 3, 3): {"recap", "apply"}})
    assert not full.send and full.planned.local_day == dt.date(2026, 3, 4)


def test_two_pushes_wanted_at_once_go_two_hours_apart() -> None:
    monday = utc(2026, 3, 2, 9, 0)  # 10:00 Berlin
    day = dt.date(2026, 3, 2)
    practice = plan(monday, rules())
    recap = plan_push(
        "recap",
        now=monday,
        rules=rules(),
        engagement=Engagement(),
        booked={day: {"practice"}},
        busy=[practice.send_at],
    )
    assert recap.local_day == day
    assert recap.send_at - practice.send_at == dt.timedelta(hours=2) == MIN_GAP


def test_the_gap_counts_from_the_last_push_sent_and_moves_past_quiet_hours() -> None:
    monday = utc(2026, 3, 2, 9, 30)  # 10:30 Berlin
    sent_at_10 = Engagement(last_sent_at=utc(2026, 3, 2, 9, 0))
    after_gap = plan(monday, rules(), engagement=sent_at_10)
    assert local(after_gap.send_at, "Europe/Berlin").time() == dt.time(12, 0)
    # Quiet over lunch: 12:00 is quiet, so the end of the quiet hours.
    lunch = rules(quiet=(dt.time(12, 0), dt.time(13, 0)))
    planned = plan(monday, lunch, engagement=sent_at_10)
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(13, 0)


def test_a_gap_past_the_window_means_the_next_working_day() -> None:
    friday_late = utc(2026, 3, 6, 15, 0)  # 16:00 Berlin, the window closes at 17:30
    waiting = utc(2026, 3, 6, 15, 30)  # another push waits for 16:30
    planned = plan_push(
        "recap",
        now=friday_late,
        rules=rules(),
        engagement=Engagement(),
        booked={dt.date(2026, 3, 6): {"practice"}},
        busy=[waiting],
    )
    assert planned.local_day == dt.date(2026, 3, 9)  # Monday
    assert local(planned.send_at, "Europe/Berlin").time() == dt.time(8, 30)


def test_at_send_a_push_right_after_another_waits_for_the_gap() -> None:
    tuesday = utc(2026, 3, 3, 9, 0)  # 10:00 Berlin
    just_sent = Engagement(last_sent_at=utc(2026, 3, 3, 8, 30))
    decision = at_send("recap", now=tuesday, rules=rules(), engagement=just_sent, booked={})
    assert not decision.send
    assert decision.planned.send_at == utc(2026, 3, 3, 10, 30)
