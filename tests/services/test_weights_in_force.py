"""Which FSRS weights a request uses: the learner's own adopted set, else the
organization's, else the defaults; loaded with the member at sign-in, no query of its own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.models import ParameterSet, User
from api.services import membership
from api.services.memory import model_for
from scheduler.memory import DEFAULT_WEIGHTS
from tests.factories import UserFactory
from tests.statements import recorded

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def weights(scale: float) -> list[float]:
    return [w * scale if i == 8 else w for i, w in enumerate(DEFAULT_WEIGHTS)]


def adopt(db: Session, organization_id: int, user_id: int | None, scale: float) -> ParameterSet:
    """What ``fitting`` does when a fit wins: the owner's earlier sets step down."""
    owner = ParameterSet.user_id.is_(None) if user_id is None else ParameterSet.user_id == user_id
    db.execute(
        update(ParameterSet)
        .where(ParameterSet.organization_id == organization_id, owner)
        .values(adopted=False)
    )
    chosen = ParameterSet(
        organization_id=organization_id,
        user_id=user_id,
        weights=weights(scale),
        fitted_at=T0,
        training_reviews=1000,
        holdout_reviews=100,
        holdout_log_loss=0.3,
        incumbent_log_loss=0.4,
        adopted=True,
    )
    db.add(chosen)
    db.flush()
    return chosen


def signed_in(db: Session, user: User) -> User:
    db.expunge_all()  # as a new request would: nothing loaded yet
    return membership.resolve_member(db, claims={"uid": user.firebase_uid}, now=T0)


def test_own_weights_then_the_organizations_then_the_defaults(db: Session) -> None:
    heavy = UserFactory()
    light = UserFactory(organization=heavy.organization)
    elsewhere = UserFactory()
    organization_set = adopt(db, heavy.organization_id, None, 1.2)
    own_set = adopt(db, heavy.organization_id, heavy.id, 1.5)

    for user, chosen, weight8 in (
        (heavy, own_set.id, DEFAULT_WEIGHTS[8] * 1.5),
        (light, organization_set.id, DEFAULT_WEIGHTS[8] * 1.2),
        (elsewhere, None, DEFAULT_WEIGHTS[8]),
    ):
        member = signed_in(db, user)
        with recorded(db) as seen:
            model, set_id = model_for(db, user=member)
        assert (set_id, model.weights[8]) == (chosen, weight8)
        assert seen == []  # the organization and the set came with the sign-in
        db.expunge_all()
        loaded_otherwise = db.get(User, user.id)
        assert model_for(db, user=loaded_otherwise)[1] == chosen


def test_a_newly_adopted_set_is_in_force_at_the_next_request(db: Session) -> None:
    learner = UserFactory()
    first = adopt(db, learner.organization_id, None, 1.2)
    assert model_for(db, user=signed_in(db, learner))[1] == first.id
    second = adopt(db, learner.organization_id, None, 0.5)
    model, set_id = model_for(db, user=signed_in(db, learner))
    assert set_id == second.id and model.weights[8] == DEFAULT_WEIGHTS[8] * 0.5
    # A set no longer adopted is not used.
    db.execute(update(ParameterSet).values(adopted=False))
    assert model_for(db, user=signed_in(db, learner))[1] is None
    assert db.scalar(select(ParameterSet.adopted).where(ParameterSet.id == first.id)) is False
