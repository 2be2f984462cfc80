"""Incidents: the catalogue, intake, the governance workflow, reading them, and Open311.

A command centre watches incidents arrive and drives each to closure. This package is
the core of it, with no web in it: ``report_incident`` takes one in (placed by
gis.links, idempotent by key), ``transition`` moves it along the one table of
``workflow``, ``list_incidents``/``incident_detail``/``incident_stats`` read them, and
``open311`` speaks GeoReport v2 over the same. Every change commits with its event row
and its outbox event (gis.events) for the live stream.
"""

from __future__ import annotations

from gis.incidents.catalogue import categories, category, save_category
from gis.incidents.changes import transition
from gis.incidents.intake import report_incident
from gis.incidents.queries import incident_detail, incident_stats, list_incidents
from gis.incidents.workflow import ACTIONS, DONE, LEVELS, OPEN, STATES

__all__ = [
    "ACTIONS",
    "DONE",
    "LEVELS",
    "OPEN",
    "STATES",
    "categories",
    "category",
    "incident_detail",
    "incident_stats",
    "list_incidents",
    "report_incident",
    "save_category",
    "transition",
]
