"""Residents' call-back satisfaction (回访满意度) on handled incidents.

- ``incident_feedback``: at most one per incident (the primary key), recorded once the
  incident is resolved, verified or closed (gis.assessment.feedback checks the state
  under the incident's row lock): a satisfaction from 1 (very unsatisfied) to 5 (very
  satisfied), who recorded it and when, and an optional note. It goes with its
  incident (ON DELETE CASCADE).
- Row-level security follows the incident, as ``incident_intake`` does (0015): a user
  sees and records the feedback of the incidents of their scope. A record: the API's
  role may add it, never rewrite or delete it.
- ``worker_patrol_day``: each worker's patrol seconds per day (China Standard Time), the
  gaps of at most 10 minutes between consecutive positions of the day. A statement
  trigger on ``worker_position`` recounts the days a batch of positions touches, so an
  assessment sums a few rows per worker instead of pairing up a year of positions (2.4
  million positions took 19 s to pair; docs/assessment.md). The API's role only reads
  it; row-level security follows the worker. Existing positions are counted here.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
ZONE = "Asia/Shanghai"  # a day is China's (gis.incidents.queries.ZONE)
GAP = "interval '10 minutes'"  # a longer gap is no patrol: the terminal was off

# The patrol seconds of (worker, day) pairs named by the relation `{days}`, from the
# positions of those days.
_RECOUNT = f"""
SELECT t.worker_id, t.day,
       coalesce(sum(extract(epoch FROM g.gap)) FILTER (WHERE g.gap <= {GAP}), 0) AS seconds
FROM {{days}} t
CROSS JOIN LATERAL (
    SELECT p.at - lag(p.at) OVER (ORDER BY p.at) AS gap
    FROM worker_position p
    WHERE p.worker_id = t.worker_id
      AND p.at >= t.day::timestamp AT TIME ZONE '{ZONE}'
      AND p.at < (t.day + 1)::timestamp AT TIME ZONE '{ZONE}'
) g
GROUP BY t.worker_id, t.day
"""
_ADDED_DAYS = f"(SELECT DISTINCT worker_id, (at AT TIME ZONE '{ZONE}')::date AS day FROM added)"
# After each INSERT into worker_position (a batch, a re-sent one adding only what is new),
# the days it touches are recounted whole. Their rows are locked first, in order: a
# concurrent batch of the same worker and day waits, and its recount, a statement later
# (a new snapshot), sees both. SECURITY DEFINER: the API's role posts positions but may
# not write the counts.
PATROL_TRIGGER = f"""
CREATE FUNCTION wangge_patrol_days() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO worker_patrol_day (worker_id, day, seconds)
    SELECT worker_id, day, 0 FROM {_ADDED_DAYS} d ORDER BY worker_id, day
    ON CONFLICT (worker_id, day) DO UPDATE SET seconds = worker_patrol_day.seconds;
    UPDATE worker_patrol_day w SET seconds = s.seconds
    FROM ({_RECOUNT.format(days=_ADDED_DAYS)}) s
    WHERE w.worker_id = s.worker_id AND w.day = s.day;
    RETURN NULL;
END $$;

CREATE TRIGGER worker_patrol_days AFTER INSERT ON worker_position
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION wangge_patrol_days();
"""
_ALL_DAYS = (
    f"(SELECT DISTINCT worker_id, (at AT TIME ZONE '{ZONE}')::date AS day FROM worker_position)"
)


def upgrade() -> None:
    op.create_table(
        "incident_feedback",
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5",
                           name=op.f("ck_incident_feedback_satisfaction_range")),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="CASCADE",
                                name=op.f("fk_incident_feedback_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_feedback")),
    )  # fmt: skip
    op.execute(f"GRANT SELECT, INSERT ON incident_feedback TO {API_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON incident_feedback FROM {API_ROLE}")
    op.execute("ALTER TABLE incident_feedback ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE incident_feedback FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY scope ON incident_feedback TO {API_ROLE} USING ("
        "(SELECT wangge_scope_everywhere()) OR "
        "EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_feedback.incident_id))"
    )
    op.execute("CREATE POLICY owner ON incident_feedback TO CURRENT_USER USING (true)")
    _patrol_days()


def _patrol_days() -> None:
    op.create_table(
        "worker_patrol_day",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], ondelete="CASCADE",
                                name=op.f("fk_worker_patrol_day_worker_id_worker")),
        sa.PrimaryKeyConstraint("worker_id", "day", name=op.f("pk_worker_patrol_day")),
    )  # fmt: skip
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON worker_patrol_day FROM {API_ROLE}")
    op.execute(f"GRANT SELECT ON worker_patrol_day TO {API_ROLE}")
    op.execute("ALTER TABLE worker_patrol_day ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE worker_patrol_day FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY scope ON worker_patrol_day TO {API_ROLE} USING ("
        "(SELECT wangge_scope_everywhere()) OR "
        "EXISTS (SELECT 1 FROM worker w WHERE w.id = worker_patrol_day.worker_id))"
    )
    op.execute("CREATE POLICY owner ON worker_patrol_day TO CURRENT_USER USING (true)")
    op.execute(PATROL_TRIGGER)
    op.execute(
        "INSERT INTO worker_patrol_day (worker_id, day, seconds) " + _RECOUNT.format(days=_ALL_DAYS)
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER worker_patrol_days ON worker_position")
    op.execute("DROP FUNCTION wangge_patrol_days()")
    op.drop_table("worker_patrol_day")
    op.drop_table("incident_feedback")
