"""What a page script reads of the API's answers, found by reading the script.

``page_reads(source)`` follows each ``await api(URL)`` result through the names it
is given: ``const`` bindings, callback parameters (``x.items.forEach((b) => ...)``,
``[...a.ancestors, a].map((p) => ...)``, ``(c ? r : []).map(...)``) and parameters of
the script's own functions at their call sites. Every member chain on such a name,
``area.children[0].stats``, becomes a read: the fetched URL (``${...}`` as ``*``,
no query) and the path read, with ``[]`` for an array's item.

It reads the plain style of ``api/static/drilldown.js``, not all of JavaScript: a
value passed through anything else (a call's result, a property of a literal) is
not followed, which may miss a read, never invent one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

IDENT = r"[A-Za-z_$][\w$]*"
CHAIN = rf"{IDENT}(?:\??\.{IDENT}|\[\d+\])*"
ITERATORS = "forEach|map|filter|find|some|every|flatMap"
OPENERS = {"(": ")", "[": "]", "{": "}"}

Path = tuple[str, tuple[str, ...]]  # (URL, path read)


@dataclass(frozen=True)
class ArrayLiteral:
    """An array literal in the script, with the values of its items."""

    items: frozenset[Path | ArrayLiteral]


@dataclass
class Site:
    """A place that gives ``name`` values within ``scope``."""

    name: str
    scope: tuple[int, int]
    values: set = field(default_factory=set)


def blank(source: str) -> str:
    """The source with comments and '...'/"..." strings blanked out, positions kept.
    Template literals stay: their ``${...}`` parts are code."""
    out = list(source)
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif c in "'\"":
            j = i + 1
            while j < n and source[j] != c:
                j += 2 if source[j] == "\\" else 1
            out[i + 1 : j] = " " * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def brackets(code: str) -> dict[int, int]:
    """Matching bracket positions, both ways."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, c in enumerate(code):
        if c in OPENERS:
            stack.append(i)
        elif c in ")]}" and stack and OPENERS[code[stack[-1]]] == c:
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    return pairs


def split_top(text: str) -> list[str]:
    """``text`` split at commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += c in "([{"
        depth -= c in ")]}"
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


class Script:
    def __init__(self, source: str) -> None:
        self.code = blank(source)
        self.pairs = brackets(self.code)
        self.sites: list[Site] = []
        self.fetches: set[str] = set()
        # (site, expression, position, whether the site takes the expression's items)
        self._rules: list[tuple[Site, str, int, bool]] = []
        self._find_sites(source)
        for _ in range(10):  # until no site learns a new value
            before = sum(len(s.values) for s in self.sites)
            for site, expression, pos, items in self._rules:
                site.values |= (self._items if items else self.values)(expression, pos)
            if sum(len(s.values) for s in self.sites) == before:
                break

    # -- where names get their values ---------------------------------------------

    def _block_end(self, pos: int) -> int:
        """End of the innermost ``{...}`` around ``pos`` (the script's end at top level)."""
        opens = [o for o, c in self.pairs.items() if self.code[o] == "{" and o < pos < c]
        return self.pairs[max(opens)] if opens else len(self.code)

    def _find_sites(self, source: str) -> None:
        fetch = re.compile(rf"(?:const|let)\s+({IDENT})\s*=\s*await\s+api\(\s*([`\"])(.*?)\2\s*\)")
        for m in fetch.finditer(source):
            url = re.sub(r"\$\{[^}]*\}", "*", m.group(3).split("?")[0])
            self.fetches.add(url)
            site = self._site(m.group(1), (m.end(), self._block_end(m.start())))
            site.values.add((url, ()))
        alias = re.compile(rf"(?:const|let)\s+({IDENT})\s*=\s*({CHAIN})\s*;")
        for m in alias.finditer(self.code):
            site = self._site(m.group(1), (m.end(), self._block_end(m.start())))
            self._rules.append((site, m.group(2), m.start(2), False))
        callback = re.compile(rf"\.(?:{ITERATORS})\((\s*(?:\(\s*({IDENT})[^)]*\)|({IDENT}))\s*=>)")
        for m in callback.finditer(self.code):
            receiver = self._receiver(m.start())
            scope = (m.start(1), self.pairs.get(m.start(1) - 1, len(self.code)))
            site = self._site(m.group(2) or m.group(3), scope)
            self._rules.append((site, receiver, m.start(), True))
        self._find_function_parameters()

    def _find_function_parameters(self) -> None:
        function = re.compile(rf"function\s+({IDENT})\s*\(([^)]*)\)\s*\{{")
        for m in function.finditer(self.code):
            body = (m.end() - 1, self.pairs[m.end() - 1])
            names = [p.split("=")[0].strip() for p in split_top(m.group(2))]
            calls = re.compile(rf"(?<![\w$.])(?<!function ){re.escape(m.group(1))}\(")
            for call in calls.finditer(self.code):
                open_ = call.end() - 1
                args = split_top(self.code[open_ + 1 : self.pairs[open_]])
                for name, arg in zip(names, args, strict=False):
                    if re.fullmatch(IDENT, name):
                        site = self._site(name, body)
                        self._rules.append((site, arg.strip(), open_, False))

    def _site(self, name: str, scope: tuple[int, int]) -> Site:
        for site in self.sites:
            if site.name == name and site.scope == scope:
                return site
        self.sites.append(Site(name, scope))
        return self.sites[-1]

    def _receiver(self, dot: int) -> str:
        """The expression before ``.map(`` and the like at ``dot``."""
        i = dot
        while i > 0:
            c = self.code[i - 1]
            if c in ")]":
                i = self.pairs[i - 1]
            elif re.match(r"[\w$.?]", c):
                i -= 1
            else:
                break
        return self.code[i:dot].lstrip(".")

    # -- what an expression holds ---------------------------------------------------

    def values(self, expression: str, pos: int) -> set:
        """The API values ``expression`` at ``pos`` may hold."""
        e = expression.strip()
        if e.startswith("(") and self._closes(e):
            return self.values(e[1:-1], pos)
        branches = re.fullmatch(r"([^?]+)\?([^:]+):(.+)", e, flags=re.DOTALL)
        if branches and "=>" not in e:
            return self.values(branches[2], pos) | self.values(branches[3], pos)
        if e.startswith("[") and self._closes(e):
            items: set = set()
            for item in split_top(e[1:-1]):
                item = item.strip()
                if item.startswith("..."):
                    items |= self._items(item[3:], pos)
                else:
                    items |= self.values(item, pos)
            return {ArrayLiteral(frozenset(items))} if items else set()
        if re.fullmatch(CHAIN, e):
            name, *steps = re.findall(rf"{IDENT}|\[\d+\]", e)
            out = set()
            for url, path in self._lookup(name, pos):
                out.add((url, (*path, *("[]" if s.startswith("[") else s for s in steps))))
            return out
        return set()

    def _items(self, expression: str, pos: int) -> set:
        out: set = set()
        for value in self.values(expression, pos):
            if isinstance(value, ArrayLiteral):
                out |= value.items
            else:
                out.add((value[0], (*value[1], "[]")))
        return out

    def _closes(self, e: str) -> bool:
        """Whether the bracket opening ``e`` closes at its end."""
        return brackets(e).get(0) == len(e) - 1

    def _lookup(self, name: str, pos: int) -> set:
        """Values of ``name`` at ``pos``, from the innermost site that covers it."""
        covering = [s for s in self.sites if s.name == name and s.scope[0] <= pos < s.scope[1]]
        if not covering:
            return set()
        innermost = max(covering, key=lambda s: s.scope[0])
        return {v for v in innermost.values if not isinstance(v, ArrayLiteral)}

    # -- reads ----------------------------------------------------------------------

    def reads(self) -> set[Path]:
        """Every (URL, path) the script reads of an API value."""
        found = set()
        for m in re.finditer(rf"(?<![\w$]){CHAIN}", self.code):
            before = self.code[max(0, m.start() - 3) : m.start()]
            if before.endswith(".") and before != "...":
                continue  # the middle of a longer chain
            found |= {v for v in self.values(m.group(), m.start()) if v[1]}
        return found


def page_reads(source: str) -> tuple[set[str], set[Path]]:
    """The URLs ``source`` fetches with ``api()``, and what it reads of their answers."""
    script = Script(source)
    return script.fetches, script.reads()
