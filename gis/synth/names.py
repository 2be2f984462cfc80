"""Chinese names for generated places and people, drawn from small character pools.

Real-looking names make the demo maps and tables readable; they are combinations
of common characters, not real places or persons (apart from street names a
profile gives).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_URBAN_HEAD = "东西南北新金银玉春秋和安康永长福瑞嘉华明光文德仁兴泰丰鸿锦翠青绿紫丽景欣悦宁平盛"
_URBAN_TAIL = "华园苑城湖河桥山林庭门街坊里岸湾泉府阁轩亭苑洲港岭"
_RURAL_HEAD = "王李张陈林赵杨周吴徐黄郑蔡金上下前后东西南北大小新老中高"
_RURAL_TAIL = "家庄宅岙洋桥塘湾屯营寨坪坝山河溪岭沟田铺埠"
_ROAD_HEAD = [
    "人民",
    "解放",
    "建设",
    "文化",
    "学院",
    "工业",
    "滨河",
    "站前",
    "青年",
    "和平",
    "中山",
    "振兴",
    "光明",
    "迎宾",
    "体育",
    "府前",
    "东风",
    "红旗",
    "商城",
    "腾达",
    "银座",
    "富强",
    "新安",
    "长江",
    "黄河",
    "银河",
    "金沙",
    "泰安",
    "双水",
    "朝阳",
    "胜利",
    "民主",
    "团结",
    "友谊",
    "幸福",
    "永安",
    "康宁",
    "兴业",
    "创业",
    "科技",
    "环城",
    "沿江",
    "望海",
    "南苑",
    "北苑",
    "凤凰",
    "龙山",
    "青松",
    "翠竹",
    "梅园",
    "桃花",
]
_ROAD_TAIL = {"arterial": ("大道", "路"), "secondary": ("路", "线"), "local": ("街", "路", "巷")}
_NUMERALS = "一二三四五六七八九十"
_MALE = "伟强磊军洋勇杰涛明超刚建国文辉鹏飞浩宇轩博俊志海林斌亮成龙华平东峰波鑫晨睿凯"
_FEMALE = "芳娜敏静丽艳娟秀霞桂英玲红燕欣怡涵梓雨佳琳婷雪萍梅兰凤玉珍慧莉倩颖洁晶琪"


def _combos(head: str | list[str], tail: str | tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted({(a, b) for a in head for b in tail if a[-1] != b[0]})


def place_names(n: int, kind: str, rng: np.random.Generator) -> NDArray[np.str_]:
    """Draw ``n`` distinct community names of ``kind`` ("urban" 社区 or "rural" 村).

    Past the pool size, names repeat with a 一/二/… ordinal so they stay distinct.

    Examples
    --------
    >>> names = place_names(3, "rural", np.random.default_rng(0))
    >>> len(set(names)) == 3 and all(s.endswith("村") for s in names)
    True
    """
    head, tail, suffix = (
        (_URBAN_HEAD, _URBAN_TAIL, "社区") if kind == "urban" else (_RURAL_HEAD, _RURAL_TAIL, "村")
    )
    pairs = [(a + b, suffix) for a, b in _combos(head, tail)]
    return _distinct(pairs, n, rng)


def road_names(kinds: NDArray[np.str_], rng: np.random.Generator) -> NDArray[np.str_]:
    """Distinct road names, one per entry of ``kinds`` ("arterial", "secondary", "local").

    Past the pool size a numeral goes before the suffix, as in 解放三路.
    """
    out = np.empty(len(kinds), dtype=object)
    for kind, tails in _ROAD_TAIL.items():
        idx = np.flatnonzero(kinds == kind)
        out[idx] = _distinct(_combos(_ROAD_HEAD, tails), len(idx), rng)
    return out.astype(str)


def _distinct(pool: list[tuple[str, str]], n: int, rng: np.random.Generator) -> NDArray[np.str_]:
    """``n`` distinct names from (stem, suffix) pairs, adding 一, 二… to stems once used up."""
    order = rng.permutation(len(pool))
    names = [
        stem + (_ordinal(r) if r else "") + suffix
        for r in range(-(-n // len(pool)))
        for stem, suffix in (pool[i] for i in order)
    ]
    return np.array(names[:n], dtype=str)


def _ordinal(r: int) -> str:
    return _NUMERALS[r % 10] if r < 10 else str(r)


def person_names(
    surname: NDArray[np.str_], male: NDArray[np.bool_], rng: np.random.Generator
) -> NDArray[np.str_]:
    """Given names of one or two characters appended to ``surname``, by sex.

    Examples
    --------
    >>> n = person_names(np.array(["王", "李"]), np.array([True, False]), np.random.default_rng(1))
    >>> [s[0] for s in n], all(2 <= len(s) <= 3 for s in n)
    (['王', '李'], True)
    """
    pools = np.where(male, 0, 1)
    k = min(len(_MALE), len(_FEMALE))
    chars = np.array([list(_MALE[:k]), list(_FEMALE[:k])])
    n = len(surname)
    first = chars[pools, rng.integers(0, chars.shape[1], n)]
    second = chars[pools, rng.integers(0, chars.shape[1], n)]
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(first, second), first)
    return np.char.add(surname.astype(str), given)


def draw_surnames(n: int, pool: str, rng: np.random.Generator) -> NDArray[np.str_]:
    """Draw surnames from ``pool`` (most common first) with a Zipf-like weighting."""
    chars = np.array(list(dict.fromkeys(pool)))
    w = 1.0 / np.arange(1, len(chars) + 1) ** 0.9
    return chars[rng.choice(len(chars), size=n, p=w / w.sum())]
