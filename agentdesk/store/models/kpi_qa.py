"""The KPI and QA room: survey answers and QA reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import IntegerFlag, _default, _one_of, _when

# Issue 15 (h15b), V_KPI_SURVEYS_QA: survey answers and QA reviews.


class SurveyAnswerRow(SQLModel, table=True):
    __tablename__ = "survey_answers"
    __table_args__ = (
        _one_of("kind", "csat", "nps"),
        _one_of("source", "phone", "reply"),
        UniqueConstraint("ticket_id", "kind"),
        Index("ix_survey_answers_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    kind: str
    score: int
    source: str
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    recorded_by: str
    at: datetime = Field(sa_column=_when())


class QaReviewRow(SQLModel, table=True):
    __tablename__ = "qa_reviews"
    __table_args__ = (
        UniqueConstraint("ticket_id", "reviewer"),
        Index("ix_qa_reviews_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    agent_handle: str
    reviewer: str
    month: str
    marks: str
    score: float
    critical_failed: bool = Field(
        default=False, sa_type=IntegerFlag, sa_column_kwargs={"server_default": text("0")}
    )
    comment: str = _default("")
    at: datetime = Field(sa_column=_when())
