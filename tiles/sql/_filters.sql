(CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
    AND (CAST(:statuses AS text[]) IS NULL OR i.status::text = ANY(CAST(:statuses AS text[])))
    AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
    AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
