-- name: area_geom
-- An area by code, for --area.
SELECT id, ST_AsBinary(geom) AS wkb FROM area WHERE code = :code;

-- name: stale_cameras
-- Cameras whose view must be computed: queued, or never computed. In Morton order, so
-- a batch is a compact piece of the map and shares its buildings.
SELECT k.id FROM camera k
WHERE EXISTS (SELECT 1 FROM camera_view_queue q WHERE q.camera_id = k.id)
   OR NOT EXISTS (SELECT 1 FROM camera_view v WHERE v.camera_id = k.id)
ORDER BY k.morton, k.id;

-- name: all_cameras
SELECT id FROM camera ORDER BY morton, id;

-- name: cameras_in_area
SELECT k.id FROM camera k JOIN area a ON a.id = :area_id
WHERE k.geom && a.geom AND ST_Intersects(k.geom, a.geom)
ORDER BY k.morton, k.id;

-- name: take_cameras
-- Take a batch off the queue in the transaction that writes its views: a change that
-- commits after this finds its row gone and queues the camera again.
DELETE FROM camera_view_queue WHERE camera_id = ANY(CAST(:ids AS integer[]));

-- name: batch_cameras
SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, heading, fov_deg, range_m
FROM camera WHERE id = ANY(CAST(:ids AS integer[]));

-- name: footprints_near
-- Footprints within reach of any camera of a batch (a box per camera, one index scan
-- each; reaches overlap, so the ids are collected first and each footprint read once).
SELECT b.id, ST_AsBinary(b.geom) AS wkb FROM building b
WHERE b.id IN (
    SELECT n.id FROM camera k JOIN building n ON n.geom && wangge_camera_reach(k.geom, k.range_m)
    WHERE k.id = ANY(CAST(:ids AS integer[]))
);

-- name: store_views
-- Polygons made valid beforehand (gis.cameras.refresh._wkb): repairing here cost more than
-- the rest of the write for the communities' polygons with thousands of holes.
INSERT INTO camera_view (camera_id, geom, area_m2, computed_at)
SELECT v.id, ST_Multi(ST_GeomFromWKB(v.wkb, 4326)), v.area_m2, now()
FROM unnest(CAST(:ids AS integer[]), CAST(:wkbs AS bytea[]), CAST(:areas AS float8[]))
    AS v(id, wkb, area_m2)
ON CONFLICT (camera_id) DO UPDATE
SET geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2, computed_at = EXCLUDED.computed_at;

-- name: queue_coverage_near
-- The communities a batch's views may reach: their coverage is computed again.
INSERT INTO camera_coverage_queue (community_id)
SELECT DISTINCT a.id FROM camera k
JOIN area a ON a.level = 'community' AND a.geom && wangge_camera_reach(k.geom, k.range_m)
WHERE k.id = ANY(CAST(:ids AS integer[]))
ON CONFLICT DO NOTHING;

-- name: queued_communities
SELECT community_id FROM camera_coverage_queue ORDER BY community_id;

-- name: take_communities
-- Take communities off the queue (skipping those another refresh holds).
DELETE FROM camera_coverage_queue
WHERE community_id IN (
    SELECT community_id FROM camera_coverage_queue
    WHERE community_id = ANY(CAST(:ids AS integer[])) FOR UPDATE SKIP LOCKED
)
RETURNING community_id;

-- name: communities
SELECT id, ST_AsBinary(geom) AS wkb FROM area
WHERE id = ANY(CAST(:ids AS integer[])) AND level = 'community'
ORDER BY id;

-- name: footprints_in
SELECT b.id, ST_AsBinary(b.geom) AS wkb FROM building b
WHERE b.id IN (
    SELECT n.id FROM area a JOIN building n ON n.geom && a.geom
    WHERE a.id = ANY(CAST(:ids AS integer[]))
);

-- name: online_views_in
-- What the online cameras see over these communities.
SELECT v.camera_id, ST_AsBinary(v.geom) AS wkb
FROM camera_view v JOIN camera k ON k.id = v.camera_id AND k.status = 'online'
WHERE v.camera_id IN (
    SELECT n.camera_id FROM area a JOIN camera_view n ON n.geom && a.geom
    WHERE a.id = ANY(CAST(:ids AS integer[]))
);

-- name: store_coverage
INSERT INTO camera_coverage
    (community_id, public_geom, geom, area_m2, public_m2, covered_m2, computed_at)
SELECT c.id, ST_Multi(ST_GeomFromWKB(c.public_wkb, 4326)),
       ST_Multi(ST_GeomFromWKB(c.blind_wkb, 4326)), c.area_m2, c.public_m2, c.covered_m2, now()
FROM unnest(CAST(:ids AS integer[]), CAST(:public AS bytea[]), CAST(:blind AS bytea[]),
            CAST(:area AS float8[]), CAST(:public_m2 AS float8[]),
            CAST(:covered_m2 AS float8[]))
    AS c(id, public_wkb, blind_wkb, area_m2, public_m2, covered_m2)
ON CONFLICT (community_id) DO UPDATE
SET public_geom = EXCLUDED.public_geom, geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2,
    public_m2 = EXCLUDED.public_m2, covered_m2 = EXCLUDED.covered_m2,
    computed_at = EXCLUDED.computed_at;

-- name: queue_sizes
SELECT (SELECT count(*) FROM camera_view_queue) AS cameras,
       (SELECT count(*) FROM camera_coverage_queue) AS communities;
