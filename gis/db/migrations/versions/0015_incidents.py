"""Incidents: the catalogue, the workflow's states and columns, intake records.

- ``incident_category``: GB/T 30428-style classes (事件 and 部件), seeded here with every
  category the sample city generates (their codes kept) and the standard's common
  classes; each with its deadline in hours per urgency and its default handling unit.
  The API's role reads it; the owner edits it (``wangge incidents category``).
- ``incident_status`` gains in_progress, verified and rejected; ``incident_source``
  gains citizen (gis.incidents.workflow holds the one table of states and actions).
- ``incident``: level (上报 raises it), deadline_at, assignee, assigned_unit,
  reported_by, the reporter's contact (encrypted, masked), attachments. A trigger sets
  the catalogue's deadline on insert when none is given, so loaded incidents have one
  too; the rows already there get theirs here.
- ``incident_event``: the action, assignee and level of each change; append-only for
  the API's role (no UPDATE or DELETE).
- ``incident_intake``: per Idempotency-Key, the body's hash and the answer given;
  visible with its incident.
- ``incident_code_seq`` numbers the incidents the API takes in.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
# (new value, the value it follows)
NEW_STATUSES = (("in_progress", "dispatched"), ("verified", "resolved"), ("rejected", "closed"))
OLD_STATUSES = ("reported", "accepted", "dispatched", "resolved", "closed")
OLD_SOURCES = ("grid_worker", "hotline", "video", "110")

# The classes: code | name_zh | name_en | kind | major class (大类)
CATEGORIES = """
dispute | 矛盾纠纷 | Dispute | 事件 | 社会治理
public_security | 治安隐患 | Public security | 事件 | 社会治安
fire_hazard | 消防安全隐患 | Fire hazard | 事件 | 安全生产
sanitation | 市容环卫 | Sanitation | 事件 | 市容环境
illegal_construction | 违法建设 | Illegal construction | 事件 | 施工管理
traffic | 道路交通 | Traffic | 事件 | 街面秩序
facility_damage | 公共设施损坏 | Damaged public facility | 部件 | 公用设施
environment | 生态环境 | Environment | 事件 | 市容环境
petition | 信访诉求 | Petition | 事件 | 社会治理
other | 其他事件 | Other | 事件 | 其他事件
illegal_parking | 违章停车 | Illegal parking | 事件 | 街面秩序
street_vending | 占道经营 | Street vending | 事件 | 街面秩序
exposed_garbage | 暴露垃圾 | Exposed garbage | 事件 | 市容环境
illegal_advertising | 非法小广告 | Illegal advertising | 事件 | 宣传广告
construction_dust | 施工扬尘 | Construction dust | 事件 | 施工管理
emergency | 突发事件 | Emergency | 事件 | 突发事件
manhole_cover | 井盖 | Manhole cover | 部件 | 公用设施
street_light | 路灯 | Street light | 部件 | 公用设施
road_surface | 道路破损 | Damaged road | 部件 | 道路交通
traffic_signal | 交通信号设施 | Traffic signal | 部件 | 道路交通
green_space | 绿地损坏 | Damaged green space | 部件 | 园林绿化
building_hazard | 危房 | Dangerous building | 部件 | 房屋土地
"""
# How each is handled: code | deadline hours for low, normal, high, critical urgency |
# default urgency | default handling unit
HANDLING = """
dispute | 168 72 24 4 | normal | 司法所人民调解委员会
public_security | 72 24 8 1 | normal | 公安派出所
fire_hazard | 72 24 4 1 | high | 消防救援站
sanitation | 72 48 12 4 | normal | 环境卫生管理所
illegal_construction | 336 168 72 24 | normal | 综合行政执法队
traffic | 72 24 8 2 | normal | 交警中队
facility_damage | 168 72 24 4 | normal | 市政设施管理处
environment | 168 72 24 4 | normal | 生态环境分局
petition | 360 168 72 24 | normal | 信访办
other | 168 72 24 4 | normal | 街道综治中心
illegal_parking | 24 8 4 1 | normal | 交警中队
street_vending | 48 24 8 2 | normal | 综合行政执法队
exposed_garbage | 48 24 8 2 | normal | 环境卫生管理所
illegal_advertising | 168 72 24 8 | low | 综合行政执法队
construction_dust | 72 24 8 2 | normal | 住房和城乡建设局
emergency | 8 4 2 1 | high | 应急管理局
manhole_cover | 48 24 4 1 | high | 市政设施管理处
street_light | 168 72 24 8 | normal | 路灯管理所
road_surface | 168 72 24 8 | normal | 公路管理段
traffic_signal | 72 24 8 2 | normal | 交警中队
green_space | 336 168 72 24 | low | 园林绿化管理所
building_hazard | 168 72 24 4 | high | 住房和城乡建设局
"""


def _categories() -> list[dict]:
    handling = {}
    for line in HANDLING.strip().splitlines():
        code, hours, urgency, unit = (v.strip() for v in line.split("|"))
        low, normal, high, critical = (int(h) for h in hours.split())
        handling[code] = {"hours_low": low, "hours_normal": normal, "hours_high": high,
                          "hours_critical": critical, "default_urgency": urgency,
                          "default_unit": unit}  # fmt: skip
    rows = []
    for line in CATEGORIES.strip().splitlines():
        code, zh, en, kind, major = (v.strip() for v in line.split("|"))
        rows.append({"code": code, "name_zh": zh, "name_en": en, "kind": kind, "major": major,
                     **handling[code]})  # fmt: skip
    return rows


DEADLINE = """
-- The catalogue's deadline for an incident of a category and urgency, counted from a
-- time (null for a category not in the catalogue).
CREATE FUNCTION wangge_incident_deadline(
    p_category text, p_urgency incident_urgency, p_since timestamptz
) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT p_since + make_interval(hours => CASE p_urgency
        WHEN 'low' THEN c.hours_low WHEN 'normal' THEN c.hours_normal
        WHEN 'high' THEN c.hours_high ELSE c.hours_critical END)
    FROM incident_category c WHERE c.code = p_category
$$;

CREATE FUNCTION wangge_incident_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.deadline_at IS NULL THEN
        NEW.deadline_at := wangge_incident_deadline(NEW.category, NEW.urgency, NEW.reported_at);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER incident_defaults BEFORE INSERT ON incident
    FOR EACH ROW EXECUTE FUNCTION wangge_incident_defaults();
"""


def _catalogue() -> None:
    urgency = postgresql.ENUM(name="incident_urgency", create_type=False)
    table = op.create_table(
        "incident_category",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("major", sa.Text(), nullable=False),
        *(sa.Column(f"hours_{u}", sa.Integer(), nullable=False)
          for u in ("low", "normal", "high", "critical")),
        sa.Column("default_urgency", urgency, server_default="normal", nullable=False),
        sa.Column("default_unit", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('事件', '部件')", name=op.f("ck_incident_category_kind_known")
        ),
        sa.CheckConstraint(
            "code ~ '^[a-z][a-z0-9_]{1,31}$'", name=op.f("ck_incident_category_code_format")
        ),
        sa.CheckConstraint(
            "hours_critical > 0 AND hours_high >= hours_critical "
            "AND hours_normal >= hours_high AND hours_low >= hours_normal",
            name=op.f("ck_incident_category_hours_ordered"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_incident_category")),
    )  # fmt: skip
    op.bulk_insert(table, _categories())
    # The API reads the catalogue; editing it is the owner's (the CLI).
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON incident_category FROM {API_ROLE}")


def _incident_columns() -> None:
    level = postgresql.ENUM(name="area_level", create_type=False)
    when = sa.DateTime(timezone=True)
    op.add_column("incident", sa.Column("level", level, server_default="community",
                                        nullable=False))  # fmt: skip
    op.add_column("incident", sa.Column("deadline_at", when, nullable=True))
    for name in ("assignee", "assigned_unit", "reported_by"):
        op.add_column("incident", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("incident", sa.Column("reporter_contact_enc", sa.LargeBinary(), nullable=True))
    op.add_column(
        "incident", sa.Column("reporter_contact_masked", sa.String(length=64), nullable=True)
    )
    op.add_column(
        "incident",
        sa.Column("attachments", postgresql.ARRAY(sa.Text()), server_default="{}",
                  nullable=False),
    )  # fmt: skip
    op.create_index("ix_incident_deadline_at", "incident", ["deadline_at"])
    action = sa.Column("action", sa.String(length=16), server_default="reported", nullable=False)
    op.add_column("incident_event", action)
    op.alter_column("incident_event", "action", server_default=None)
    op.add_column("incident_event", sa.Column("assignee", sa.Text(), nullable=True))
    op.add_column("incident_event", sa.Column("level", level, nullable=True))
    # The timeline is a record: the API may add to it, never rewrite it.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON incident_event FROM {API_ROLE}")


def _intake() -> None:
    op.create_table(
        "incident_intake",
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("answer", postgresql.JSONB(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="CASCADE",
                                name=op.f("fk_incident_intake_incident_id_incident")),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_incident_intake")),
    )  # fmt: skip
    op.create_index("ix_incident_intake_incident_id", "incident_intake", ["incident_id"])
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON incident_intake FROM {API_ROLE}")
    op.execute("ALTER TABLE incident_intake ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE incident_intake FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY scope ON incident_intake TO {API_ROLE} USING ("
        "(SELECT wangge_scope_everywhere()) OR "
        "EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_intake.incident_id))"
    )
    op.execute("CREATE POLICY owner ON incident_intake TO CURRENT_USER USING (true)")
    op.execute("CREATE SEQUENCE incident_code_seq")


def upgrade() -> None:
    # New enum values may not be used in this transaction; nothing below uses them.
    for value, after in NEW_STATUSES:
        op.execute(f"ALTER TYPE incident_status ADD VALUE IF NOT EXISTS '{value}' AFTER '{after}'")
    op.execute("ALTER TYPE incident_source ADD VALUE IF NOT EXISTS 'citizen'")
    _catalogue()
    _incident_columns()
    _intake()
    op.execute(DEADLINE)
    op.execute(
        "UPDATE incident SET deadline_at = "
        "wangge_incident_deadline(category, urgency, reported_at) WHERE deadline_at IS NULL"
    )


def _recreate_enum(name: str, values: tuple[str, ...], columns: dict[str, list[str]]) -> None:
    """Give enum ``name`` only ``values`` again: PostgreSQL cannot drop a value."""
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"ALTER TYPE {name} RENAME TO {name}_0015")
    op.execute(f"CREATE TYPE {name} AS ENUM ({listed})")
    for table, names in columns.items():
        for column in names:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {name} "
                f"USING {column}::text::{name}"
            )
    op.execute(f"DROP TYPE {name}_0015")


def downgrade() -> None:
    op.execute("DROP TRIGGER incident_defaults ON incident")
    op.execute("DROP FUNCTION wangge_incident_defaults()")
    op.execute("DROP FUNCTION wangge_incident_deadline(text, incident_urgency, timestamptz)")
    op.execute("DROP SEQUENCE incident_code_seq")
    op.drop_table("incident_intake")
    op.execute(f"GRANT UPDATE, DELETE ON incident_event TO {API_ROLE}")
    for column in ("level", "assignee", "action"):
        op.drop_column("incident_event", column)
    op.drop_index("ix_incident_deadline_at", table_name="incident")
    for column in (
        "attachments",
        "reporter_contact_masked",
        "reporter_contact_enc",
        "reported_by",
        "assigned_unit",
        "assignee",
        "deadline_at",
        "level",
    ):
        op.drop_column("incident", column)  # fmt: skip
    op.drop_table("incident_category")
    # The new states and source, folded into the nearest old ones.
    for table, column in (
        ("incident", "status"),
        ("incident_event", "from_status"),
        ("incident_event", "to_status"),
    ):
        op.execute(
            f"UPDATE {table} SET {column} = CASE {column}::text "
            "WHEN 'in_progress' THEN 'dispatched' WHEN 'verified' THEN 'resolved' "
            f"WHEN 'rejected' THEN 'closed' ELSE {column}::text END::incident_status "
            f"WHERE {column}::text IN ('in_progress', 'verified', 'rejected')"
        )  # fmt: skip
    op.execute("UPDATE incident SET source = 'hotline' WHERE source::text = 'citizen'")
    op.execute("DROP INDEX ix_incident_open_community")
    op.execute("ALTER TABLE incident ALTER COLUMN status DROP DEFAULT")
    _recreate_enum(
        "incident_status",
        OLD_STATUSES,
        {"incident": ["status"], "incident_event": ["from_status", "to_status"]},
    )
    _recreate_enum("incident_source", OLD_SOURCES, {"incident": ["source"]})  # fmt: skip
    op.execute("ALTER TABLE incident ALTER COLUMN status SET DEFAULT 'reported'")
    op.execute(
        "CREATE INDEX ix_incident_open_community ON incident (community_id) "
        "WHERE status NOT IN ('resolved', 'closed')"
    )
