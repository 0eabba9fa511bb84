"""Fitting an organization's own FSRS weights from its review log."""

from __future__ import annotations

import datetime as dt
import random

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import MemoryState, ParameterSet, ReviewLog
from api.services import fitting
from scheduler.fitting import MIN_TRAINING_REVIEWS
from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel
from scheduler.types import Rating, Review
from tests.factories import (
    EnrollmentFactory,
    ItemFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
TRUE = MemoryModel()  # these learners remember as FSRS-6's defaults say
SCHEDULE = MemoryModel()
# An old fit in force that is badly off: memories growing far too slowly after each
# success (w8 scales the stability increase).
POOR = [w * 0.3 if i == 8 else w for i, w in enumerate(DEFAULT_WEIGHTS)]


def simulate(db: Session, *, learners: int, items: int, reviews: int, seed: int = 7):
    rng = random.Random(seed)
    organization = UserFactory(admin=True).organization
    module = ModuleFactory(organization=organization)
    lesson = LessonFactory(module=module)
    made = [ItemFactory(lesson=lesson) for _ in range(items)]
    rows = []
    for _ in range(learners):
        user = UserFactory(organization=organization)
        EnrollmentFactory(user=user, module=module, status="completed")
        for item in made:
            truth = scheduled = None
            at = T0 + dt.timedelta(hours=rng.randint(0, 48))
            for n in range(reviews):
                recalled = truth is None or rng.random() < TRUE.recall(truth, at)
                rating = Rating.GOOD if recalled else Rating.AGAIN
                review = Review(at, rating, f"{user.id}-{item.id}-{n}")
                truth, scheduled = TRUE.review(truth, review), SCHEDULE.review(scheduled, review)
                rows.append(
                    ReviewLog(
                        organization_id=organization.id,
                        user_id=user.id,
                        item_id=item.id,
                        item_revision=1,
                        client_review_id=review.review_id,
                        answered_at=at,
                        received_at=at,
                        response={},
                        rating=int(rating),
                        correct=recalled,
                    )
                )
                gap = SCHEDULE.next_review_at(scheduled, 0.9) - at
                at += gap * rng.uniform(0.8, 3.0) + dt.timedelta(days=1)
    db.add_all(rows)
    db.flush()
    return organization


def test_fitted_weights_are_adopted_when_they_predict_better(app: Flask, db: Session) -> None:
    organization = simulate(db, learners=10, items=12, reviews=6)
    poor = ParameterSet(
        organization_id=organization.id,
        weights=POOR,
        fitted_at=T0,
        training_reviews=0,
        holdout_reviews=0,
        holdout_log_loss=1.0,
        incumbent_log_loss=1.0,
        adopted=True,
    )
    db.add(poor)
    db.flush()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["memory", "fit", "--organization", str(organization.id)])
    assert first.exit_code == 0, first.output
    assert f"organization {organization.id}: adopted" in first.output
    db.expire_all()
    poor_now, fitted = db.scalars(select(ParameterSet).order_by(ParameterSet.id)).all()
    assert fitted.adopted and not poor_now.adopted
    assert fitted.holdout_log_loss < fitted.incumbent_log_loss
    assert fitted.weights[8] > 1.5 * POOR[8]  # it learned that memories grow faster
    states = db.scalars(select(MemoryState)).all()
    assert len(states) == 10 * 12 and {s.parameter_set_id for s in states} == {fitted.id}

    second = runner.invoke(args=["memory", "fit", "--organization", str(organization.id)])
    assert f"organization {organization.id}: kept" in second.output
    db.expire_all()
    kept = db.scalars(select(ParameterSet).order_by(ParameterSet.id)).all()
    assert [p.adopted for p in kept] == [False, True, False]  # all kept; one in force


def test_too_few_reviews_are_not_fitted(app: Flask, db: Session) -> None:
    organization = simulate(db, learners=2, items=3, reviews=4)
    result = app.test_cli_runner().invoke(
        args=["memory", "fit", "--organization", str(organization.id)]
    )
    assert "skipped" in result.output
    assert db.scalars(select(ParameterSet)).all() == []


def test_a_heavy_learner_gets_a_fit_of_their_own(db: Session, clock) -> None:
    organization = simulate(db, learners=1, items=80, reviews=10)
    [heavy] = db.scalars(select(ReviewLog.user_id).distinct()).all()
    light = UserFactory(organization=organization)
    db.add(
        ReviewLog(
            organization_id=organization.id,
            user_id=light.id,
            item_id=db.scalars(select(ReviewLog.item_id)).first(),
            item_revision=1,
            client_review_id="light-1",
            answered_at=T0,
            received_at=T0,
            response={},
            rating=3,
            correct=True,
        )
    )
    db.flush()
    reports = fitting.fit_organization(db, organization_id=organization.id, now=clock.now())
    scopes = [r.scope for r in reports]
    assert scopes == [f"organization {organization.id}", f"learner {heavy}"]
    own = db.scalars(select(ParameterSet).where(ParameterSet.user_id == heavy)).one()
    assert own.training_reviews >= MIN_TRAINING_REVIEWS


def test_a_large_organizations_fit_reads_a_stable_sample_of_whole_learners(
    db: Session, clock, monkeypatch
) -> None:
    organization = simulate(db, learners=24, items=12, reviews=6)
    whole = fitting._histories(db, organization_id=organization.id)
    total = sum(len(h) for h in whole.values())
    monkeypatch.setattr(fitting, "ORGANIZATION_SAMPLE", total // 2)
    runs = [fitting._histories(db, organization_id=organization.id, sample=total // 2)]
    runs.append(fitting._histories(db, organization_id=organization.id, sample=total // 2))
    sampled = runs[0]
    assert runs[0] == runs[1]  # the same learners every night
    assert 0 < sum(len(h) for h in sampled.values()) < total
    learners = {user for user, _ in sampled}
    # Whole learners: each sampled learner's every card, each card's every review.
    assert {key: whole[key] for key in whole if key[0] in learners} == sampled
    fitting.fit_organization(db, organization_id=organization.id, now=clock.now())
    fitted = db.scalars(select(ParameterSet).where(ParameterSet.user_id.is_(None))).one()
    read = fitted.training_reviews + fitted.holdout_reviews
    assert 0 < read <= sum(len(h) for h in sampled.values()) < total  # the sample, not all
