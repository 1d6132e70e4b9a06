"""The coding query language: its tokens, its grammar and the tree a query parses into.

    query     := expr [ WHERE cond ]
    expr      := and ( OR and )*
    and       := unary ( AND unary )*
    unary     := NOT unary | relation
    relation  := atom ( relop atom )*                  left to right
    relop     := SAME SENTENCE | SAME TURN | OVERLAPS | INSIDE | CONTAINS
               | WITHIN n TURNS OF | FOLLOWED BY [ WITHIN n TURNS ]
    atom      := code | "code name" | EXACT code | ANY | @saved-query | ( expr )
    cond      := cand ( OR cand )*
    cand      := cnot ( AND cnot )*
    cnot      := NOT cnot | ( cond ) | field op value | field [NOT] IN ( value, ... )
    op        := = | != | < | <= | > | >=

Keywords are case-insensitive. A code is written by its id (``curriculum-advocacy``)
or, in quotes, by its id or name (``"Curriculum advocacy"``); a code whose id is a
keyword (``turn``) is written in quotes. Every error carries the position of the
token where the query stops making sense, for a caret under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Union

KEYWORDS = frozenset({"AND", "OR", "NOT", "SAME", "SENTENCE", "TURN", "TURNS", "WITHIN", "OF", "OVERLAPS",
                      "INSIDE", "CONTAINS", "FOLLOWED", "BY", "WHERE", "IN", "EXACT", "ANY"})
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")

RelationKind = Literal["same_sentence", "same_turn", "within", "overlaps", "inside", "contains", "followed_by"]

#: How each relation reads, for descriptions and messages.
RELATION_WORDS: dict[str, str] = {
    "same_sentence": "SAME SENTENCE", "same_turn": "SAME TURN", "within": "WITHIN {n} TURNS OF",
    "overlaps": "OVERLAPS", "inside": "INSIDE", "contains": "CONTAINS", "followed_by": "FOLLOWED BY WITHIN {n} TURNS",
}
#: Turns after the left passage in which FOLLOWED BY looks, unless WITHIN says otherwise.
FOLLOWED_BY_TURNS = 1


class QueryError(ValueError):
    """A query that cannot be used. ``position``/``end``: the characters at fault (0-based)."""

    def __init__(self, message: str, source: str, position: int | None = None, end: int | None = None,
                 saved: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.position = position
        self.end = end if end is not None else (position + 1 if position is not None else None)
        self.saved = saved  # the name of the saved query the error is in, if any

    @property
    def column(self) -> int | None:
        """1-based column of the problem in the query's text."""
        return None if self.position is None else self.position + 1

    def pointer(self) -> str:
        """The query with carets under the place of the problem (two lines), or ''."""
        if self.position is None:
            return ""
        shown = re.sub(r"\s", " ", self.source)
        width = max(1, (self.end or self.position + 1) - self.position)
        return f"  {shown}\n  {' ' * self.position}{'^' * width}"

    def __str__(self) -> str:
        where = f"column {self.column}: " if self.column is not None else ""
        saved = f"in the saved query {self.saved!r}, " if self.saved else ""
        return f"{saved}{where}{self.message}"


# ---------------------------------------------------------------- tokens

TokenKind = Literal["word", "string", "number", "keyword", "op", "lparen", "rparen", "comma", "saved", "end"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    value: str
    start: int
    end: int

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the query"
        if self.kind == "keyword":
            return f"the keyword {self.value}"
        if self.kind == "string":
            return f'"{self.value}"'
        if self.kind == "saved":
            return f"@{self.value}"
        return repr(self.value)


_WORD = re.compile(r"[A-Za-z0-9_\u00c0-\uffff][A-Za-z0-9_.:\-\u00c0-\uffff]*")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?![A-Za-z_:\-])")
_SAVED = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_-]*)")
SAVED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "\"'\u201c\u2018":
            close = {"\u201c": "\u201d", "\u2018": "\u2019"}.get(ch, ch)
            j = i + 1
            chars: list[str] = []
            while j < n and source[j] != close:
                if source[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(source[j])
                j += 1
            if j >= n:
                raise QueryError(f"this quote is never closed; add a closing {close}", source, i)
            tokens.append(Token("string", "".join(chars), i, j + 1))
            i = j + 1
            continue
        if ch == "(":
            tokens.append(Token("lparen", ch, i, i + 1))
            i += 1
            continue
        if ch == ")":
            tokens.append(Token("rparen", ch, i, i + 1))
            i += 1
            continue
        if ch == ",":
            tokens.append(Token("comma", ch, i, i + 1))
            i += 1
            continue
        two = source[i:i + 2]
        if two in ("!=", "<=", ">=", "=="):
            tokens.append(Token("op", "=" if two == "==" else two, i, i + 2))
            i += 2
            continue
        if ch in "=<>":
            tokens.append(Token("op", ch, i, i + 1))
            i += 1
            continue
        if ch == "@":
            m = _SAVED.match(source, i)
            if not m:
                raise QueryError("'@' starts the name of a saved query, e.g. @advocacy-by-women", source, i)
            tokens.append(Token("saved", m.group(1), i, m.end()))
            i = m.end()
            continue
        m = _NUMBER.match(source, i)
        if m and (m.end() == n or not _WORD.match(source, m.end())):
            tokens.append(Token("number", m.group(), i, m.end()))
            i = m.end()
            continue
        m = _WORD.match(source, i)
        if m:
            word = m.group()
            if word.upper() in KEYWORDS:
                tokens.append(Token("keyword", word.upper(), i, m.end()))
            else:
                tokens.append(Token("word", word, i, m.end()))
            i = m.end()
            continue
        hint = " (codes with spaces in their names go in quotes)" if ch not in "&|!" else \
            f"; write {'AND' if ch == '&' else 'OR' if ch == '|' else 'NOT'}"
        raise QueryError(f"unexpected character {ch!r}{hint}", source, i)
    tokens.append(Token("end", "", n, n))
    return tokens


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class CodeRef:
    name: str
    quoted: bool
    exact: bool
    start: int
    end: int


@dataclass(frozen=True)
class AnyCode:
    start: int
    end: int


@dataclass(frozen=True)
class SavedRef:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    start: int
    end: int


@dataclass(frozen=True)
class Binary:
    op: Literal["and", "or"]
    left: "Expr"
    right: "Expr"
    start: int
    end: int


@dataclass(frozen=True)
class Relation:
    kind: RelationKind
    left: "Expr"
    right: "Expr"
    turns: int | None
    start: int
    end: int


Expr = Union[CodeRef, AnyCode, SavedRef, Not, Binary, Relation]


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # = != < <= > >= in "not in"
    values: tuple[str, ...]
    start: int
    end: int
    field_end: int
    value_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class CondNot:
    operand: "Cond"


@dataclass(frozen=True)
class CondBinary:
    op: Literal["and", "or"]
    left: "Cond"
    right: "Cond"


Cond = Union[Compare, CondNot, CondBinary]


@dataclass(frozen=True)
class Query:
    source: str
    expr: Expr
    where: Cond | None = None
    saved: dict[str, "Query"] = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> TokenKind:
        """The current token's kind (a call, so type checkers do not keep an earlier answer)."""
        return self.tokens[self.i].kind

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, message: str, token: Token | None = None) -> QueryError:
        token = token or self.token
        return QueryError(message, self.source, token.start, max(token.end, token.start + 1))

    def is_kw(self, *words: str) -> bool:
        return self.kind() == "keyword" and self.token.value in words

    def expect_kw(self, word: str, why: str) -> Token:
        if not self.is_kw(word):
            raise self.error(f"expected {word} {why}, found {self.token.describe()}")
        return self.take()

    # -------------------------------------------------------- expressions

    def query(self) -> Query:
        if self.kind() == "end":
            raise self.error("the query is empty; write a code, e.g. curriculum-advocacy AND emotional-toll")
        expr = self.expr()
        where = None
        if self.is_kw("WHERE"):
            self.take()
            where = self.cond()
        if self.kind() != "end":
            token = self.token
            if token.kind == "rparen":
                raise self.error("this ')' closes nothing")
            if token.kind in ("word", "string", "saved"):
                raise self.error(f"expected AND, OR or a relation such as SAME TURN before {token.describe()}")
            raise self.error(f"unexpected {token.describe()}")
        return Query(self.source, expr, where)

    def expr(self) -> Expr:
        left = self.and_()
        while self.is_kw("OR"):
            self.take()
            right = self.and_()
            left = Binary("or", left, right, _start(left), _end(right))
        return left

    def and_(self) -> Expr:
        left = self.unary()
        while self.is_kw("AND"):
            self.take()
            right = self.unary()
            left = Binary("and", left, right, _start(left), _end(right))
        return left

    def unary(self) -> Expr:
        if self.is_kw("NOT"):
            token = self.take()
            operand = self.unary()
            return Not(operand, token.start, _end(operand))
        return self.relation()

    def relation(self) -> Expr:
        left = self.atom()
        while True:
            kind_turns = self.relop()
            if kind_turns is None:
                return left
            kind, turns = kind_turns
            right = self.atom()
            left = Relation(kind, left, right, turns, _start(left), _end(right))

    def _count(self, what: str) -> int:
        token = self.token
        if token.kind != "number" or not token.value.isdigit():
            raise self.error(f"expected a whole number of turns after {what}, e.g. {what} 2 TURNS")
        self.take()
        return int(token.value)

    def _turns_word(self) -> None:
        if not self.is_kw("TURN", "TURNS"):
            raise self.error(f"expected TURNS, found {self.token.describe()} (only turns are counted)")
        self.take()

    def relop(self) -> tuple[RelationKind, int | None] | None:
        token = self.token
        if token.kind != "keyword":
            return None
        if token.value == "SAME":
            self.take()
            if self.is_kw("SENTENCE"):
                self.take()
                return "same_sentence", None
            if self.is_kw("TURN"):
                self.take()
                return "same_turn", None
            raise self.error(f"expected SENTENCE or TURN after SAME, found {self.token.describe()}")
        if token.value in ("OVERLAPS", "INSIDE", "CONTAINS"):
            self.take()
            return token.value.lower(), None  # type: ignore[return-value]
        if token.value == "WITHIN":
            self.take()
            n = self._count("WITHIN")
            self._turns_word()
            self.expect_kw("OF", f"after WITHIN {n} TURNS (A WITHIN {n} TURNS OF B)")
            return "within", n
        if token.value == "FOLLOWED":
            self.take()
            self.expect_kw("BY", "after FOLLOWED")
            n = FOLLOWED_BY_TURNS
            if self.is_kw("WITHIN"):
                self.take()
                n = self._count("WITHIN")
                self._turns_word()
                if self.is_kw("OF"):
                    raise self.error("FOLLOWED BY WITHIN n TURNS takes no OF: A FOLLOWED BY WITHIN 2 TURNS B")
            return "followed_by", n
        return None

    def atom(self) -> Expr:
        token = self.token
        if token.kind == "lparen":
            self.take()
            inner = self.expr()
            if self.kind() != "rparen":
                if self.kind() == "end":
                    raise QueryError("this '(' is never closed; add ')'", self.source, token.start)
                raise self.error(f"expected ')' to close the '(' at column {token.start + 1}, "
                                 f"found {self.token.describe()}")
            self.take()
            return inner
        if token.kind == "keyword" and token.value == "EXACT":
            self.take()
            code = self.token
            if code.kind not in ("word", "string", "number"):
                raise self.error(f"expected a code after EXACT, found {code.describe()}")
            self.take()
            return CodeRef(code.value, code.kind == "string", True, token.start, code.end)
        if token.kind == "keyword" and token.value == "ANY":
            self.take()
            return AnyCode(token.start, token.end)
        if token.kind in ("word", "string", "number"):
            self.take()
            return CodeRef(token.value, token.kind == "string", False, token.start, token.end)
        if token.kind == "saved":
            self.take()
            return SavedRef(token.value, token.start, token.end)
        if token.kind == "end":
            previous = self.tokens[self.i - 1] if self.i else None
            after = f" after {previous.describe()}" if previous else ""
            raise self.error(f"the query ends too early: expected a code{after}")
        if token.kind == "keyword":
            raise self.error(f"expected a code, found {token.describe()} (a code whose id is "
                             f"'{token.value.lower()}' is written in quotes: \"{token.value.lower()}\")")
        raise self.error(f"expected a code, found {token.describe()}")

    # -------------------------------------------------------- conditions

    def cond(self) -> Cond:
        left = self.cand()
        while self.is_kw("OR"):
            self.take()
            left = CondBinary("or", left, self.cand())
        return left

    def cand(self) -> Cond:
        left = self.cnot()
        while self.is_kw("AND"):
            self.take()
            left = CondBinary("and", left, self.cnot())
        return left

    def cnot(self) -> Cond:
        if self.is_kw("NOT"):
            self.take()
            return CondNot(self.cnot())
        token = self.token
        if token.kind == "lparen":
            self.take()
            inner = self.cond()
            if self.kind() != "rparen":
                raise self.error(f"expected ')' to close the '(' at column {token.start + 1}, "
                                 f"found {self.token.describe()}")
            self.take()
            return inner
        return self.compare()

    def _value(self) -> Token:
        token = self.token
        if token.kind in ("word", "string", "number"):
            return self.take()
        if token.kind == "keyword":  # a value that happens to be a keyword, e.g. group = any
            raise self.error(f"expected a value, found {token.describe()}; put it in quotes: "
                             f"\"{token.value.lower()}\"")
        raise self.error(f"expected a value, found {token.describe()}")

    def compare(self) -> Compare:
        field_token = self.token
        if field_token.kind not in ("word", "string"):
            what = field_token.describe()
            raise self.error(f"expected a condition such as group = intervention or coder = alice, found {what}")
        self.take()
        negated = False
        if self.is_kw("NOT"):
            self.take()
            negated = True
            if not self.is_kw("IN"):
                raise self.error(f"expected IN after NOT, found {self.token.describe()}")
        if self.is_kw("IN"):
            self.take()
            if self.kind() != "lparen":
                raise self.error("expected '(' after IN: a list of values such as (MS2, MS3)")
            self.take()
            tokens = [self._value()]
            while self.kind() == "comma":
                self.take()
                tokens.append(self._value())
            values = [t.value for t in tokens]
            if self.kind() != "rparen":
                raise self.error(f"expected ',' or ')' in the list of values, found {self.token.describe()}")
            close = self.take()
            return Compare(field_token.value, "not in" if negated else "in", tuple(values), field_token.start,
                           close.end, field_token.end, tuple((t.start, t.end) for t in tokens))
        if self.kind() != "op":
            raise self.error(f"expected =, !=, <, >, <=, >= or IN after {field_token.describe()}, "
                             f"found {self.token.describe()}")
        op = self.take()
        value = self._value()
        return Compare(field_token.value, op.value, (value.value,), field_token.start, value.end, field_token.end,
                       ((value.start, value.end),))


def _start(e: Expr) -> int:
    return e.start


def _end(e: Expr) -> int:
    return e.end


def parse_query(source: str) -> Query:
    """Parse a query's text; raises :class:`QueryError` pointing at the problem."""
    return _Parser(source).query()


def saved_references(query: Query) -> list[SavedRef]:
    """The @names a query uses, in order."""
    out: list[SavedRef] = []

    def walk(e: Expr) -> None:
        if isinstance(e, SavedRef):
            out.append(e)
        elif isinstance(e, Not):
            walk(e.operand)
        elif isinstance(e, (Binary, Relation)):
            walk(e.left)
            walk(e.right)

    walk(query.expr)
    return out


def unparse(e: Expr) -> str:
    """The expression written back in its canonical form, fully parenthesised where it matters."""
    if isinstance(e, CodeRef):
        name = f'"{e.name}"' if e.quoted or not _WORD.fullmatch(e.name) or e.name.upper() in KEYWORDS else e.name
        return ("EXACT " if e.exact else "") + name
    if isinstance(e, AnyCode):
        return "ANY"
    if isinstance(e, SavedRef):
        return "@" + e.name
    if isinstance(e, Not):
        return "NOT " + _wrap(e.operand)
    if isinstance(e, Binary):
        return f"{_wrap(e.left)} {e.op.upper()} {_wrap(e.right)}"
    words = RELATION_WORDS[e.kind].format(n=e.turns)
    return f"{_wrap(e.left)} {words} {_wrap(e.right)}"


def _wrap(e: Expr) -> str:
    text = unparse(e)
    return f"({text})" if isinstance(e, (Binary, Relation)) else text
