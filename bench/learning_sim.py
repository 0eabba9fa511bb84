"""Simulated workplace learners: which policy keeps the most remembered at small budgets?

    .venv/bin/python bench/learning_sim.py                 # 40 learners, ~3 min on 2 cores
    .venv/bin/python bench/learning_sim.py --learners 10 --workloads standard --jobs 1

Each simulated learner has a *true* memory: FSRS-6 with weights of their own, drawn around
the defaults (each weight times exp(N(0, 0.4)) for the four first-encounter stabilities,
exp(N(0, 0.15)) for the others, then clipped to FSRS-6's ranges), so the scheduler, which
knows only the defaults, is wrong about every learner in a different way. An answer is
right with the true recall at that moment (fractional days), rated Good if right and
Again if wrong; it takes the learner's pace (12-30 s) times a log-normal jitter.

The calendar: 12 weeks of content arriving on Mondays (the workload says how much);
sessions on weekdays at noon with a budget of 1, 3 or 5 minutes; a fifth of working days
missed at random; a two-week absence in weeks 6 and 7. Content is studied (an exposure:
a first encounter rated Good, in truth and for the scheduler) on the first day present
after it arrives, at 9:00. Every policy gets the same learners, days and absences.

Policies: ``bitewise`` is ``scheduler.practice.practice_set``, the function the API calls,
with the history the API would hand it. The others know FSRS only from answers (studied,
never answered items are "new", after every due one), as plain FSRS apps do:
``fsrs_due_first`` (due items by due date), ``fsrs_low_recall_first``,
``fsrs_high_recall_first``, ``fsrs_overdue_ratio`` (elapsed / interval), ``random``
(studied items at random) and ``fixed_3_7`` (each item 3 and 7 days after study). All but
Bitewise fill the session; Bitewise may ask less when a review is worth too little.

The last lines, one per budget and policy of the standard workload, are for other tools:
``learning_sim budget=<minutes> policy=<name> recall_30d_after=<x> reviews=<n>
never_practised=<share>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fsrs_rs_python

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.history import Answer, History, ItemInfo, Settings, Study
from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel
from scheduler.practice import practice_set, seconds_per_item
from scheduler.types import Memory, Rating, Review

START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)  # a Monday
WEEKS = 12
ABSENCE = range(42, 56)  # days: weeks 6 and 7
MISS_RATE = 0.2
EVAL_AFTER = (0, 30, 90)  # days after the last day of the 12 weeks
TARGET = 0.9
NEW_PER_DAY = 10
# Multiplicative spread of the true weights around the defaults, and FSRS-6's ranges.
SPREAD = [0.4] * 4 + [0.15] * 17
BOUNDS = [
    (0.01, 100), (0.01, 100), (0.01, 100), (0.01, 100), (1, 10), (0.001, 4), (0.001, 4),
    (0.001, 0.75), (0, 4.5), (0, 0.8), (0.001, 3.5), (0.001, 5), (0.001, 0.25), (0.001, 0.9),
    (0, 4), (0, 1), (1, 6), (0, 2), (0, 2), (0, 0.8), (0.1, 0.8),
]  # fmt: skip
WORKLOADS = {
    "standard": (12, 1),  # a 12-item module every week
    "small": (6, 2),  # a 6-item module every other week
    "large": (24, 1),  # a 24-item module every week
}
POLICIES = (
    "bitewise",
    "fsrs_due_first",
    "fsrs_low_recall_first",
    "fsrs_high_recall_first",
    "fsrs_overdue_ratio",
    "random",
    "fixed_3_7",
)
SCHEDULER = MemoryModel(desired_retention=TARGET)
SETTINGS = Settings(target_retention=TARGET, new_items_per_day=NEW_PER_DAY, max_reviews_per_day=60)


@dataclass
class Truth:
    """The learner's real memory, which no policy sees."""

    weights: list[float]
    fsrs: fsrs_rs_python.FSRS = field(init=False)
    decay: float = field(init=False)
    factor: float = field(init=False)
    states: dict[int, tuple[float, float, dt.datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fsrs = fsrs_rs_python.FSRS(self.weights)
        self.decay = -self.weights[20]
        self.factor = 0.9 ** (1 / self.decay) - 1

    def recall(self, item: int, at: dt.datetime) -> float:
        stability, _, last = self.states[item]
        days = max((at - last).total_seconds() / 86_400, 0.0)
        return (1 + self.factor * days / stability) ** self.decay

    def encounter(self, item: int, at: dt.datetime, right: bool) -> None:
        before = self.states.get(item)
        if before is None:
            after = self.fsrs.next_states(None, TARGET, 0)
        else:
            days = max(int((at - before[2]).total_seconds() // 86_400), 0)
            after = self.fsrs.next_states(
                fsrs_rs_python.MemoryState(before[0], before[1]), TARGET, days
            )
        state = (after.good if right else after.again).memory
        self.states[item] = (state.stability, state.difficulty, at)


def true_weights(rng: random.Random) -> list[float]:
    drawn = []
    for default, spread, (low, high) in zip(DEFAULT_WEIGHTS, SPREAD, BOUNDS, strict=True):
        drawn.append(min(max(default * math.exp(rng.gauss(0, spread)), low), high))
    return drawn


@dataclass
class Learner:
    seed: int
    weights: list[float]
    pace: float
    present: set[int]  # day numbers with a session (working days, not missed, not absent)


def make_learner(seed: int, days: int) -> Learner:
    rng = random.Random(seed)
    present = {
        d for d in range(days) if d % 7 < 5 and d not in ABSENCE and rng.random() >= MISS_RATE
    }
    return Learner(seed, true_weights(rng), min(max(rng.gauss(20, 4), 12), 30), present)


@dataclass
class Run:
    """One learner under one policy and budget."""

    learner: Learner
    policy: str
    minutes: int
    rng: random.Random
    truth: Truth
    items: list[ItemInfo] = field(default_factory=list)
    studied_at: dict[int, dt.datetime] = field(default_factory=dict)
    study_session: dict[int, int] = field(default_factory=dict)  # item -> session index
    first_answer_session: dict[int, int] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    states: dict[int, Memory] = field(default_factory=dict)  # Bitewise's (with exposures)
    plain: dict[int, Memory] = field(default_factory=dict)  # answers only (plain FSRS)
    fixed: dict[int, list[dt.date]] = field(default_factory=dict)
    sessions: int = 0
    over_budget: int = 0
    backlog_trace: list[tuple[int, int]] = field(default_factory=list)


def simulate(workload: str, learner: Learner, policy: str, minutes: int) -> dict:
    per_module, every = WORKLOADS[workload]
    days = WEEKS * 7
    rng = random.Random(learner.seed * 7919 + minutes)
    run = Run(learner, policy, minutes, rng, Truth(learner.weights))
    arrived: list[ItemInfo] = []
    next_item = 0
    for day in range(days):
        date = (START + dt.timedelta(days=day)).date()
        if day % 7 == 0 and (day // 7) % every == 0:
            module = day // 7
            for position in range(per_module):
                arrived.append(ItemInfo(next_item, module, position))
                next_item += 1
        if day not in learner.present:
            run.backlog_trace.append((day, _backlog(run, day)))
            continue
        study = dt.datetime.combine(date, dt.time(9), tzinfo=dt.UTC)
        # One module a day, as a learner studies them: after an absence they queue.
        module = arrived[0].module_id if arrived else None
        todays = [i for i in arrived if i.module_id == module]
        for info in todays:
            run.items.append(info)
            run.studied_at[info.item_id] = study
            run.study_session[info.item_id] = run.sessions
            run.truth.encounter(info.item_id, study, right=True)
            run.states[info.item_id] = SCHEDULER.review(
                None, Review(study, Rating.GOOD, exposure=True)
            )
            run.fixed[info.item_id] = [date + dt.timedelta(days=3), date + dt.timedelta(days=7)]
        arrived = [i for i in arrived if i.module_id != module]
        _session(run, dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC))
        run.backlog_trace.append((day, _backlog(run, day)))
    return _measure(run, days)


def _session(run: Run, now: dt.datetime) -> None:
    chosen = _choose(run, now)
    spent = 0.0
    for item in chosen:
        took = run.learner.pace * math.exp(run.rng.gauss(0, 0.25))
        at = now + dt.timedelta(seconds=spent)
        spent += took
        right = run.rng.random() < run.truth.recall(item, at)
        run.truth.encounter(item, at, right)
        rating = Rating.GOOD if right else Rating.AGAIN
        review = Review(at, rating, f"r{len(run.answers)}")
        run.answers.append(Answer(item, at, rating, int(took * 1000), review.review_id))
        run.states[item] = SCHEDULER.review(run.states[item], review)
        run.plain[item] = SCHEDULER.review(run.plain.get(item), review)
        run.first_answer_session.setdefault(item, run.sessions)
        fixed = run.fixed.get(item)
        if fixed and fixed[0] <= now.date():
            fixed.pop(0)
    run.sessions += 1
    if spent > run.minutes * 60 * 1.25:
        run.over_budget += 1


def _choose(run: Run, now: dt.datetime) -> list[int]:
    if run.policy == "bitewise":
        history = History(
            items=tuple(run.items),
            studies=tuple(Study(i, at) for i, at in run.studied_at.items()),
            answers=tuple(run.answers[-60:]),
            states=run.states,
        )
        chosen = practice_set(
            history, settings=SETTINGS, zone="UTC", now=now, model=SCHEDULER, minutes=run.minutes
        )
        return [p.item_id for p in chosen.picks]
    pace = seconds_per_item(History(items=(), answers=tuple(run.answers[-60:])))
    room = max(1, math.floor(run.minutes * 60 / pace))
    studied = [i.item_id for i in run.items]
    if run.policy == "random":
        return run.rng.sample(studied, min(room, len(studied)))
    if run.policy == "fixed_3_7":
        today = now.date()
        waiting = sorted((d[0], item) for item, d in run.fixed.items() if d and d[0] <= today)
        return [item for _, item in waiting[:room]]
    due = []
    for item, memory in run.plain.items():
        recall = SCHEDULER.recall(memory, now)
        if recall >= TARGET:
            continue
        elapsed = (now - memory.last_review).total_seconds() / 86_400
        interval = max(SCHEDULER.days_until(memory.stability, TARGET), 0.01)
        key = {
            "fsrs_due_first": SCHEDULER.next_review_at(memory, TARGET).timestamp(),
            "fsrs_low_recall_first": recall,
            "fsrs_high_recall_first": -recall,
            "fsrs_overdue_ratio": -elapsed / interval,
        }[run.policy]
        due.append((key, item))
    picked = [item for _, item in sorted(due)[:room]]
    started_today = sum(
        1 for item, s in run.first_answer_session.items() if s == run.sessions and item in run.plain
    )
    fresh = [i for i in studied if i not in run.plain]
    return picked + fresh[: max(0, min(room - len(picked), NEW_PER_DAY - started_today))]


def _backlog(run: Run, day: int) -> int:
    """Studied items the learner truly recalls below the target at the end of the day."""
    at = START + dt.timedelta(days=day, hours=23)
    return sum(1 for item in run.truth.states if run.truth.recall(item, at) < TARGET)


def _measure(run: Run, days: int) -> dict:
    end = START + dt.timedelta(days=days)
    items = list(run.truth.states)
    recall = {
        after: statistics.fmean(run.truth.recall(i, end + dt.timedelta(days=after)) for i in items)
        for after in EVAL_AFTER
    }
    late = sum(
        1 for i in items if run.first_answer_session.get(i, 10**9) > run.study_session[i] + 2
    )
    before = dict(run.backlog_trace).get(ABSENCE.start - 1, 0)
    back = [b for d, b in run.backlog_trace if d >= ABSENCE.stop and d in run.learner.present]
    returned = back[0] if back else 0
    cleared = next((n for n, b in enumerate(back) if b <= before), len(back))
    return {
        "recall": recall,
        "reviews": len(run.answers),
        "items": len(items),
        "never_practised": late / len(items),
        "backlog": returned,
        "days_to_clear": cleared,
        "over_budget": run.over_budget / max(run.sessions, 1),
    }


def _job(args: tuple[str, int, tuple[int, ...]]) -> list[tuple[str, int, str, dict]]:
    workload, seed, budgets = args
    learner = make_learner(seed, WEEKS * 7)
    return [
        (workload, minutes, policy, simulate(workload, learner, policy, minutes))
        for minutes in budgets
        for policy in POLICIES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--budgets", default="1,3,5")
    parser.add_argument("--workloads", default="standard,small,large")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    budgets = tuple(int(b) for b in args.budgets.split(","))
    jobs = [
        (workload, args.seed + n, budgets)
        for workload in args.workloads.split(",")
        for n in range(args.learners)
    ]
    results: dict[tuple[str, int, str], list[dict]] = defaultdict(list)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for rows in pool.map(_job, jobs):
            for workload, minutes, policy, figures in rows:
                results[workload, minutes, policy].append(figures)
    lines = []
    for workload in args.workloads.split(","):
        print(
            f"\n## workload {workload}: {WORKLOADS[workload][0]} items every "
            f"{WORKLOADS[workload][1]} week(s), {args.learners} learners, seed {args.seed}\n"
        )
        print(
            "| budget | policy | recall at end | +30 d | +90 d | reviews | reviews per "
            "remembered | not practised in 2 sessions | backlog after absence | sessions "
            "to clear | over budget |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for minutes in budgets:
            for policy in POLICIES:
                runs = results[workload, minutes, policy]
                mean = {k: statistics.fmean(r[k] for r in runs) for k in runs[0] if k != "recall"}
                recall = {a: statistics.fmean(r["recall"][a] for r in runs) for a in EVAL_AFTER}
                remembered = recall[30] * mean["items"]
                print(
                    f"| {minutes} min | {policy} | {recall[0]:.3f} | **{recall[30]:.3f}** | "
                    f"{recall[90]:.3f} | {mean['reviews']:.0f} | "
                    f"{mean['reviews'] / remembered:.2f} | {mean['never_practised']:.1%} | "
                    f"{mean['backlog']:.1f} | {mean['days_to_clear']:.1f} | "
                    f"{mean['over_budget']:.1%} |"
                )
                if workload == "standard":
                    lines.append(
                        f"learning_sim budget={minutes} policy={policy} "
                        f"recall_30d_after={recall[30]:.3f} reviews={mean['reviews']:.0f} "
                        f"never_practised={mean['never_practised']:.3f}"
                    )
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
