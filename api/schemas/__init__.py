"""Response schemas of the API, one module per resource, so ``/openapi.json`` documents
every body the routes return.

Each field follows what the core function behind the route returns (``gis.places``,
``gis.partition``, ``tiles.tilejson``, ``api.jobs``) and the SQL aliases it selects;
``tests/api/test_schemas.py`` checks the fields the map page reads against them.
"""
