ST_AsMVTGeom(
               ST_SetSRID(ST_MakePoint(g.mx / 16777216 * 40075016.685578488 - 20037508.342789244,
                                       20037508.342789244 - g.my / 16777216 * 40075016.685578488),
                          3857),
               bounds.tile, :extent, :buffer, true)
