c AS (
    SELECT p.*, p.mx >> cells.shift AS cx, p.my >> cells.shift AS cy
    FROM p CROSS JOIN cells
)
