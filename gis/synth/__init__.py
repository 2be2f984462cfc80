"""Sample-city generator: realistic synthetic districts for demos, tests and benchmarks.

>>> from gis.synth import generate_city
>>> city = generate_city("331004", seed=0, scale=0.01)
>>> city.summary()["streets"], city.summary()["communities"]
(10, 333)
"""

from gis.synth.boundaries import UnknownDistrictError, known_adcodes, load_boundary
from gis.synth.city import DEFAULT_END, SampleCity, generate_city
from gis.synth.profiles import PROFILES, Profile

__all__ = [
    "DEFAULT_END",
    "PROFILES",
    "Profile",
    "SampleCity",
    "UnknownDistrictError",
    "generate_city",
    "known_adcodes",
    "load_boundary",
]
