"""Seed a PostgreSQL database for the practice load benchmark (COPY, a few minutes).

One organization, ``learners`` learners in teams of 1,000, 10 published modules of
100 items. Each learner is enrolled in 2 modules and has ``states`` memory states. The
first ``cohort`` learners (the ones the load generator plays) have real review logs,
and their states are what replaying those logs gives; the others have filler states,
there for the size of the tables and indexes, not to be requested.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator

import psycopg

from scheduler.memory import MemoryModel
from scheduler.types import Rating, Review

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
MODULES, LESSONS, ITEMS_PER_LESSON = 10, 5, 20


def copy_rows(cur: psycopg.Cursor, table: str, columns: str, rows: Iterator[str]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for n, row in enumerate(rows, 1):
            buffer.write(row)
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def seed(url: str, *, learners: int, states: int, cohort: int, now: dt.datetime) -> None:
    rng = random.Random(42)
    model = MemoryModel()
    with psycopg.connect(url, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO organizations (id, name, created_at, pseudonym_key) "
            "VALUES (1, 'Bench Co', %s, %s)",
            (T0, "k" * 64),
        )
        teams = (learners + 999) // 1000
        copy_rows(
            cur,
            "teams",
            "id, organization_id, name, join_code, created_at",
            (f"{t}\t1\tTeam {t}\tBENCH{t:05d}\t{T0.isoformat()}\n" for t in range(1, teams + 1)),
        )
        copy_rows(
            cur,
            "users",
            "id, organization_id, team_id, firebase_uid, email, display_name, role, "
            "time_zone, locale, invited_at, joined_at",
            (
                f"{u}\t1\t{(u - 1) // 1000 + 1}\tbench-{u}\tl{u}@bench.example\t"
                f"Learner {u}\tlearner\tEurope/Berlin\ten\t{T0.isoformat()}\t{T0.isoformat()}\n"
                for u in range(1, learners + 1)
            ),
        )
        item_ids: dict[int, list[int]] = {}
        item_id = lesson_id = 0
        for m in range(1, MODULES + 1):
            cur.execute(
                "INSERT INTO modules (id, organization_id, title, summary, estimated_minutes, "
                "tags, status, visibility, version, application_prompt, reflection_question, "
                "created_at, updated_at, published_at) VALUES (%s, 1, %s, '', 10, '[]', "
                "'published', 'assigned', 1, '', '', %s, %s, %s)",
                (m, f"Module {m}", T0, T0, T0),
            )
            item_ids[m] = []
            for lesson in range(LESSONS):
                lesson_id += 1
                cur.execute(
                    "INSERT INTO lessons (id, module_id, position, title, body_markdown, "
                    "key_points) VALUES (%s, %s, %s, %s, '', '[\"a point\"]')",
                    (lesson_id, m, lesson, f"Lesson {lesson}"),
                )
                for position in range(ITEMS_PER_LESSON):
                    item_id += 1
                    item_ids[m].append(item_id)
                    cur.execute(
                        "INSERT INTO items (id, module_id, lesson_id, position, kind, prompt, "
                        "options, answer, explanation, revision) VALUES (%s, %s, %s, %s, "
                        '\'single_choice\', %s, \'["A", "B", "C"]\', \'{"correct": [1]}\', '
                        "'', 1)",
                        (item_id, m, lesson_id, position, f"Question {item_id}?"),
                    )
        copy_rows(
            cur,
            "enrollments",
            "organization_id, user_id, module_id, source, status, assigned_at, completed_at",
            (
                f"1\t{u}\t{m}\tassigned\tcompleted\t{T0.isoformat()}\t{T0.isoformat()}\n"
                for u in range(1, learners + 1)
                for m in _modules_of(u)
            ),
        )
        logs: list[str] = []

        def state_rows() -> Iterator[str]:
            for u in range(1, learners + 1):
                mods = _modules_of(u)
                pool = item_ids[mods[0]] + item_ids[mods[1]]
                for item in pool[:states]:
                    module = mods[0] if item in item_ids[mods[0]] else mods[1]
                    if u <= cohort:
                        memory, history = _history(rng, model, now)
                        logs.extend(
                            f"1\t{u}\t{item}\t1\tseed-{u}-{item}-{i}\t{r.answered_at.isoformat()}\t"
                            f"{r.answered_at.isoformat()}\t9000\t{{}}\t{int(r.rating)}\t"
                            f"{'t' if r.rating > 1 else 'f'}\n"
                            for i, r in enumerate(history)
                        )
                        first = history[0].answered_at
                    else:
                        stability = rng.lognormvariate(1.5, 1.0)
                        last = now - dt.timedelta(days=rng.uniform(0, 2 * stability))
                        memory = (
                            stability,
                            rng.uniform(2, 8),
                            2,
                            None,
                            last,
                            last + dt.timedelta(days=stability),
                            3,
                            0,
                        )
                        first = last - dt.timedelta(days=5)
                    s, d, phase, step, last, due, reps, lapses = memory
                    step_text = "\\N" if step is None else str(step)
                    yield (
                        f"{u}\t{item}\t1\t{module}\t{s}\t{d}\t{phase}\t{step_text}\t"
                        f"{first.isoformat()}\t{last.isoformat()}\t{due.isoformat()}\t{reps}\t"
                        f"{lapses}\n"
                    )

        copy_rows(
            cur,
            "memory_states",
            "user_id, item_id, organization_id, module_id, stability, "
            "difficulty, phase, step, first_review_at, last_review_at, fsrs_due_at, reps, lapses",
            state_rows(),
        )
        copy_rows(
            cur,
            "review_logs",
            "organization_id, user_id, item_id, item_revision, client_review_id, "
            "answered_at, received_at, duration_ms, response, rating, correct",
            iter(logs),
        )
        for table in ("teams", "users", "modules", "lessons", "items"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        cur.execute("ANALYZE")


def _modules_of(user: int) -> tuple[int, int]:
    """Two different modules per learner, spread evenly."""
    first = user % MODULES
    second = (first + 1 + (user // MODULES) % (MODULES - 1)) % MODULES
    return first + 1, second + 1


def _history(rng: random.Random, model: MemoryModel, now: dt.datetime):
    """A plausible log: answers at roughly the scheduled times, 85 % recalled."""
    at = now - dt.timedelta(days=rng.uniform(20, 60))
    history: list[Review] = []
    memory = None
    while at < now and len(history) < 6:
        review = Review(at, Rating.GOOD if rng.random() < 0.85 else Rating.AGAIN, str(len(history)))
        memory = model.review(memory, review)
        history.append(review)
        interval = model.next_review_at(memory, 0.9) - at
        at += interval * rng.uniform(0.8, 1.6) + dt.timedelta(minutes=20)
    assert memory is not None
    state = (
        memory.stability,
        memory.difficulty,
        int(memory.phase),
        memory.step,
        memory.last_review,
        memory.due,
        memory.reps,
        memory.lapses,
    )
    return state, history
