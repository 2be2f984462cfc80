"""The emerging hot spot categories: one pure rule per category, applied in order.

Input per location: which time steps are significant hot (or cold) spots, and the
Mann–Kendall trend of its Gi* z-scores (+1 rising, −1 falling, 0 none). With
``T`` steps, ``H`` the hot steps, ``C`` the cold steps and ``share = |H| / T``,
the first rule that matches gives the category (``p`` is ``persistence``, 0.9
by default, as in ArcGIS Pro):

====  =======================  ====================================================
rule  category                 condition
====  =======================  ====================================================
1     intensifying hot spot    final step hot, share ≥ p, z-score trend rising
2     diminishing hot spot     final step hot, share ≥ p, z-score trend falling
3     persistent hot spot      final step hot, share ≥ p (no significant trend)
4     oscillating hot spot     final step hot, share < p, some earlier step cold
5     new hot spot             final step hot and no other step hot (no cold)
6     consecutive hot spot     hot steps are one run of ≥ 2 ending at the final step
                               (none before it, no cold)
7     sporadic hot spot        final step hot, share < p, otherwise (on-and-off, no cold)
8     historical hot spot      final step not hot, share ≥ p
9-16  … cold spot              the same rules with hot and cold swapped; a cold spot
                               "intensifies" when its z-scores fall (trend −1)
17    no pattern detected      none of the above
====  =======================  ====================================================

Hot rules are tried before cold ones; a location cannot meet both, since the final
step is either hot or cold, and share ≥ 0.9 for both is impossible when p > 0.5.
Where ArcGIS's wording leaves it open, rule 4 comes before 5–7: a location that
was a significant cold spot and is now hot is "oscillating", not "new".
"""

from __future__ import annotations

import numpy as np

from gis.errors import InvalidInput

NO_PATTERN = "no pattern detected"
_HOT_ORDER = (
    "intensifying", "diminishing", "persistent", "oscillating", "new", "consecutive",
    "sporadic", "historical",
)  # fmt: skip


def classify(
    hot: np.ndarray, cold: np.ndarray, trend: np.ndarray, persistence: float = 0.9
) -> np.ndarray:
    """Emerging hot spot category of each location (row).

    Parameters
    ----------
    hot, cold : ndarray of bool, shape (locations, steps)
        Significant hot / cold spot per time step (never both in one bin).
    trend : ndarray of int, shape (locations,)
        Mann–Kendall direction of the location's Gi* z-scores: +1, −1 or 0.
    persistence : float
        Share of steps that makes a location persistent / historical.

    Examples
    --------
    >>> hot = np.array([[0, 0, 0, 1], [0, 0, 1, 1], [1, 0, 1, 1]], dtype=bool)
    >>> classify(hot, np.zeros_like(hot), np.zeros(3, dtype=int)).tolist()
    ['new hot spot', 'consecutive hot spot', 'sporadic hot spot']
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    if hot.shape != cold.shape or hot.ndim != 2 or hot.shape[1] < 1:
        raise InvalidInput(
            "hot and cold must be boolean arrays of the same (locations, steps) shape"
        )
    if (hot & cold).any():
        raise InvalidInput("a bin cannot be both a hot and a cold spot")
    if not 0.5 < persistence <= 1.0:
        raise InvalidInput(f"persistence must be in (0.5, 1], not {persistence}")
    trend = np.sign(np.asarray(trend)).astype(np.int8)
    out = np.full(hot.shape[0], NO_PATTERN, dtype=object)
    # Cold first, so that hot (rules 1-8) overwrites: the two never both match.
    for rules, kind in ((_rules(cold, hot, -trend, persistence), "cold"),
                        (_rules(hot, cold, trend, persistence), "hot")):  # fmt: skip
        label = np.select(rules, [f"{name} {kind} spot" for name in _HOT_ORDER], default="")
        out = np.where(label != "", label, out)
    return out


def _rules(
    sig: np.ndarray, other: np.ndarray, trend: np.ndarray, persistence: float
) -> list[np.ndarray]:
    """The eight conditions for ``sig`` spots (``other`` the opposite kind), in order."""
    n_steps = sig.shape[1]
    count = sig.sum(axis=1)
    share = count / n_steps
    last = sig[:, -1]
    mostly = share >= persistence
    run = _trailing_run(sig)
    other_before = other[:, :-1].any(axis=1) if n_steps > 1 else np.zeros(len(sig), bool)
    return [
        last & mostly & (trend > 0),
        last & mostly & (trend < 0),
        last & mostly,
        last & ~mostly & other_before,
        last & (count == 1),
        last & (run >= 2) & (run == count),
        last & ~mostly,
        ~last & mostly,
    ]


def _trailing_run(sig: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at the last column, per row."""
    reversed_ = sig[:, ::-1]
    first_false = np.argmin(reversed_, axis=1)
    return np.where(reversed_.all(axis=1), sig.shape[1], first_false)
