"""How well the memory model predicts recall, scored the way srs-benchmark scores.

Run:
    .venv/bin/python bench/memory_model.py --data ../shared/data/anki_revlog_one_learner.csv
    .venv/bin/python bench/memory_model.py --train early.csv --test late.csv

CSV columns: card_id, review_rating (1-4), review_time (ISO 8601 with offset),
review_duration (ms). With --data the log is split in time (--train-fraction of the
reviews, earliest first). Models are fitted on the training reviews only and scored on
the test reviews, each with the card's full earlier history replayed.

Scored reviews: those on a later (UTC) day than the card's previous review; same-day
reviews update the state but are not scored. y = 1 if rating > 1. Prints one line per
model: ``<model>: log_loss=<x> rmse_bins=<y> auc=<z>``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.evaluation import (
    Predictor,
    auc,
    fsrs_predictor,
    log_loss,
    rmse_bins,
    score,
)
from scheduler.fitting import fit_weights
from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel
from scheduler.types import Rating, Review


def read(path: Path) -> list[tuple[int, Review]]:
    with path.open() as handle:
        return [
            (
                int(row["card_id"]),
                Review(
                    dt.datetime.fromisoformat(row["review_time"]).astimezone(dt.UTC),
                    Rating(int(row["review_rating"])),
                    f"{row['card_id']}-{row['review_time']}",
                ),
            )
            for row in csv.DictReader(handle)
        ]


def sm2_predictor(history: Sequence[Review], start: int) -> list[float | None]:
    """SM-2 intervals read as a forgetting curve: p = 0.9 ** (elapsed / interval)."""
    ease, reps, interval = 2.5, 0, 1.0
    last: dt.datetime | None = None
    out: list[float | None] = []
    for i, review in enumerate(history):
        if i >= start:
            elapsed = None if last is None else (review.answered_at - last).total_seconds() / 86_400
            out.append(None if elapsed is None else 0.9 ** (elapsed / interval))
        quality = {1: 0, 2: 3, 3: 4, 4: 5}[int(review.rating)]
        if quality < 3:
            reps, interval = 0, 1.0
        else:
            reps += 1
            interval = 1.0 if reps == 1 else 6.0 if reps == 2 else interval * ease
        ease = max(1.3, ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
        last = review.answered_at
    return out


def constant_predictor(value: float) -> Predictor:
    def predict(history: Sequence[Review], start: int) -> list[float | None]:
        return [value] * (len(history) - start)

    return predict


# --- the run --------------------------------------------------------------------------


def by_card(rows: Iterable[tuple[int, Review]]) -> dict[int, list[Review]]:
    cards: dict[int, list[Review]] = defaultdict(list)
    for card, review in sorted(rows, key=lambda row: (row[1].answered_at, row[1].review_id)):
        cards[card].append(review)
    return cards


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train", type=Path)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--data", type=Path, help="one log, split in time")
    parser.add_argument("--train-fraction", type=float, default=0.5)
    args = parser.parse_args()
    if args.data:
        rows = sorted(read(args.data), key=lambda row: row[1].answered_at)
        cut = int(len(rows) * args.train_fraction)
        train, test = rows[:cut], rows[cut:]
    elif args.train and args.test:
        train, test = read(args.train), read(args.test)
    else:
        parser.error("give --data, or --train and --test")

    train_cards = by_card(train)
    all_cards = by_card([*train, *test])
    test_starts = {card: len(train_cards.get(card, [])) for card in all_cards}
    train_starts = dict.fromkeys(train_cards, 0)

    weights = fit_weights(list(train_cards.values()))
    train_scored = score(train_cards, train_starts, constant_predictor(0.0))
    mean_recall = sum(s.y for s in train_scored) / len(train_scored)
    models: dict[str, Predictor] = {
        "fsrs6-default": fsrs_predictor(MemoryModel(DEFAULT_WEIGHTS)),
        "fsrs6-fitted": fsrs_predictor(MemoryModel(weights)),
        "sm2": sm2_predictor,
        "constant": constant_predictor(mean_recall),
    }
    print(f"# train {len(train)} reviews, test {len(test)} reviews, cards {len(all_cards)}")
    for name, predictor in models.items():
        scored = score(all_cards, test_starts, predictor)
        print(
            f"{name}: log_loss={log_loss(scored):.4f} rmse_bins={rmse_bins(scored):.4f} "
            f"auc={auc(scored):.4f}  (n={len(scored)})"
        )


if __name__ == "__main__":
    main()
