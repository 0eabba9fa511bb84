"""Fitting FSRS-6 weights to an organization's own reviews, and to heavy learners' own.

A set is adopted only when it predicts held-out (later) reviews better than the set in
force; every fitted set is kept with its date and held-out log loss. After adoption the
memory states concerned are rebuilt by replaying the log with the new weights.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.models import Item, Organization, ParameterSet, ReviewLog, User
from api.services.memory import model_for, rebuild_states
from scheduler.fitting import MIN_TRAINING_REVIEWS, FitResult, fit_and_compare
from scheduler.memory import DEFAULT_WEIGHTS
from scheduler.types import Rating, Review

HOLDOUT_FRACTION = 0.2
# The organization's fit reads at most about this many reviews, whole learners at a time:
# plenty for 21 weights, and memory no longer grows with the organization's whole log
# (bench/fit_scale.py: about 0.5 GiB per million reviews held).
ORGANIZATION_SAMPLE = 500_000


@dataclass(frozen=True)
class FitReport:
    scope: str  # "organization 3" or "learner 17"
    outcome: str  # adopted | kept | skipped
    detail: str


def fit_organization(
    session: Session, *, organization_id: int, now: dt.datetime
) -> list[FitReport]:
    histories = _histories(session, organization_id=organization_id, sample=ORGANIZATION_SAMPLE)
    reports = []
    current = _adopted(session, organization_id, None)
    result = fit_and_compare(
        histories,
        holdout_fraction=HOLDOUT_FRACTION,
        incumbent=current.weights if current else DEFAULT_WEIGHTS,
    )
    scope = f"organization {organization_id}"
    if result is None:
        reports.append(
            FitReport(scope, "skipped", f"fewer than {MIN_TRAINING_REVIEWS} next-day reviews")
        )
    else:
        adopted = _store(session, organization_id, None, result, now)
        reports.append(_report(scope, result, adopted))
        if adopted:
            _replay(session, organization_id=organization_id, user_ids=None)
    del histories
    # A learner's own fit needs MIN_TRAINING_REVIEWS of their own: only those with as many
    # reviews in all are read, one at a time.
    heavy = session.scalars(
        select(ReviewLog.user_id)
        .where(ReviewLog.organization_id == organization_id)
        .group_by(ReviewLog.user_id)
        .having(func.count() >= MIN_TRAINING_REVIEWS)
        .order_by(ReviewLog.user_id)
    ).all()
    for user_id in heavy:
        own = _histories(session, organization_id=organization_id, user_id=user_id)
        incumbent = _adopted(session, organization_id, user_id) or _adopted(
            session, organization_id, None
        )
        result = fit_and_compare(
            own,
            holdout_fraction=HOLDOUT_FRACTION,
            incumbent=incumbent.weights if incumbent else DEFAULT_WEIGHTS,
        )
        if result is None:
            continue
        adopted = _store(session, organization_id, user_id, result, now)
        reports.append(_report(f"learner {user_id}", result, adopted))
        if adopted:
            _replay(session, organization_id=organization_id, user_ids=[user_id])
    session.commit()
    return reports


def _histories(
    session: Session,
    *,
    organization_id: int,
    user_id: int | None = None,
    sample: int | None = None,
) -> dict[Hashable, list[Review]]:
    """Review histories per (learner, item): one learner's, or the organization's, or about
    ``sample`` reviews of it taken as whole learners (the same learners on every run)."""
    stmt = select(
        ReviewLog.user_id,
        ReviewLog.item_id,
        ReviewLog.answered_at,
        ReviewLog.rating,
        ReviewLog.client_review_id,
    ).where(ReviewLog.organization_id == organization_id)
    if user_id is not None:
        stmt = stmt.where(ReviewLog.user_id == user_id)
    elif sample is not None:
        total = session.scalar(
            select(func.count()).where(ReviewLog.organization_id == organization_id)
        )
        if total and total > sample:
            # Learners in 1,000 buckets by their id (scattered: 761 is prime to 1,000, and
            # small enough for 32-bit arithmetic); enough buckets for the sample. Whole
            # learners keep every card's history whole.
            buckets = math.ceil(1000 * sample / total)
            stmt = stmt.where(ReviewLog.user_id % 1000 * 761 % 1000 < buckets)
    rows = session.execute(stmt.order_by(ReviewLog.answered_at, ReviewLog.client_review_id))
    histories: dict[Hashable, list[Review]] = defaultdict(list)
    for learner, item_id, answered_at, rating, client_id in rows:
        histories[(learner, item_id)].append(Review(answered_at, Rating(rating), client_id))
    return histories


def _adopted(session: Session, organization_id: int, user_id: int | None) -> ParameterSet | None:
    owner = ParameterSet.user_id.is_(None) if user_id is None else ParameterSet.user_id == user_id
    return session.scalars(
        select(ParameterSet).where(
            ParameterSet.organization_id == organization_id, owner, ParameterSet.adopted.is_(True)
        )
    ).first()


def _store(
    session: Session, organization_id: int, user_id: int | None, result: FitResult, now: dt.datetime
) -> bool:
    if result.better:
        owner = (
            ParameterSet.user_id.is_(None) if user_id is None else ParameterSet.user_id == user_id
        )
        session.execute(
            update(ParameterSet)
            .where(ParameterSet.organization_id == organization_id, owner)
            .values(adopted=False)
        )
    session.add(
        ParameterSet(
            organization_id=organization_id,
            user_id=user_id,
            weights=list(result.weights),
            fitted_at=now,
            training_reviews=result.training_reviews,
            holdout_reviews=result.holdout_reviews,
            holdout_log_loss=result.holdout_log_loss,
            incumbent_log_loss=result.incumbent_log_loss,
            adopted=result.better,
        )
    )
    session.flush()
    return result.better


def _report(scope: str, result: FitResult, adopted: bool) -> FitReport:
    detail = (
        f"held-out log loss {result.holdout_log_loss:.4f} vs {result.incumbent_log_loss:.4f} "
        f"in force ({result.training_reviews} training, {result.holdout_reviews} held-out reviews)"
    )
    return FitReport(scope, "adopted" if adopted else "kept", detail)


def _replay(session: Session, *, organization_id: int, user_ids: Sequence[int] | None) -> None:
    """Rebuild the states of these learners (None: all of the organization's)."""
    stmt = select(User).where(User.organization_id == organization_id)
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    for user in session.scalars(stmt).all():
        item_modules = dict(
            session.execute(
                select(Item.id, Item.module_id)
                .join(ReviewLog, ReviewLog.item_id == Item.id)
                .where(ReviewLog.user_id == user.id)
                .distinct()
            ).all()
        )
        if item_modules:
            model, parameter_set_id = model_for(session, user=user)
            rebuild_states(
                session,
                user=user,
                item_modules=item_modules,
                model=model,
                parameter_set_id=parameter_set_id,
            )


def all_organization_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Organization.id).order_by(Organization.id)))
