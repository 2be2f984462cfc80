-- name: insert
INSERT INTO density_surface (id, job_id, crs_wkt, transform, rows, cols, vmax, cells)
VALUES (:id, :job_id, :crs_wkt, :transform, :rows, :cols, :vmax, :cells);

-- name: get
SELECT crs_wkt, transform, rows, cols, vmax, cells FROM density_surface WHERE id = :id;
