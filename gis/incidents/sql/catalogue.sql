-- name: list
-- The catalogue in its order: events (事件) before components (部件), then by code.
SELECT code, name_zh, name_en, kind, major, hours_low, hours_normal, hours_high,
       hours_critical, default_urgency::text AS default_urgency, default_unit, active
FROM incident_category
WHERE active OR NOT :active_only
ORDER BY kind DESC, code;

-- name: one
SELECT code, name_zh, name_en, kind, major, hours_low, hours_normal, hours_high,
       hours_critical, default_urgency::text AS default_urgency, default_unit, active
FROM incident_category
WHERE code = :code;

-- name: upsert
-- A new class, or new values for one (the owner's: the API's role may only read).
INSERT INTO incident_category (code, name_zh, name_en, kind, major, hours_low, hours_normal,
                               hours_high, hours_critical, default_urgency, default_unit, active)
VALUES (:code, :name_zh, :name_en, :kind, :major, :hours_low, :hours_normal, :hours_high,
        :hours_critical, CAST(:default_urgency AS incident_urgency), :default_unit, :active)
ON CONFLICT (code) DO UPDATE
SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
    major = EXCLUDED.major, hours_low = EXCLUDED.hours_low,
    hours_normal = EXCLUDED.hours_normal, hours_high = EXCLUDED.hours_high,
    hours_critical = EXCLUDED.hours_critical, default_urgency = EXCLUDED.default_urgency,
    default_unit = EXCLUDED.default_unit, active = EXCLUDED.active;
