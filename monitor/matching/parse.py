"""The watchlist query language: tokens -> syntax tree, with errors that mark the column.

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*            OR binds looser than AND
    and_expr := unary (["AND"] unary)*                bare terms side by side are ANDed
    unary    := ("NOT" | "-") unary | primary
    primary  := "(" or_expr ")" | NEAR/n "(" operand "," operand ")"
              | field ":" primary | "case:" term | "@list" | term
    term     := word | word* | "quoted phrase"
    field    := title | summary | text | source | lang

Operators are upper case; ``or`` in lower case is an ordinary word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FIELDS = ("title", "summary", "text")
MAX_TERMS = 10_000
MAX_DEPTH = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD_CHARS = re.compile(r'[^\s"(),]+')
_NEAR = re.compile(r"NEAR/(\d+)\(")


class QueryError(ValueError):
    """A query that does not parse; the message says what and at which column."""

    @property
    def column(self) -> int | None:
        m = re.search(r"at column (\d+)", str(self))
        return int(m.group(1)) if m else None

    def pointer(self, query: str) -> str:
        """The query with a caret under the problem, for a terminal."""
        col = self.column
        if col is None:
            return ""
        return f"    {query}\n    {' ' * (col - 1)}^"


# --- the syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word (``Iran``), a prefix (``Russia*``) or a phrase (``"drone strike"``)."""

    text: str  # as written, reported as what matched
    words: tuple[str, ...]  # the words as written (one for a word or prefix)
    prefix: bool = False
    case: bool = False  # case-sensitive
    fields: tuple[str, ...] = FIELDS


@dataclass(frozen=True)
class Source:
    name: str


@dataclass(frozen=True)
class Lang:
    """``lang:de``: the article's language (ISO 639-1, ``monitor.domain.language``)."""

    code: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    distance: int  # at most this many words between the two
    left: Node  # a Term or an Or of Terms (a list)
    right: Node


Node = Term | Source | Lang | Not | And | Or | Near


def terms_of(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms_of(node.child)
    if isinstance(node, And | Or):
        return [t for c in node.children for t in terms_of(c)]
    if isinstance(node, Near):
        return terms_of(node.left) + terms_of(node.right)
    return []


def has_positive(node: Node) -> bool:
    """Whether every way to match needs something present, not only something absent."""
    if isinstance(node, Term | Source | Lang | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(has_positive(c) for c in node.children)
    return all(has_positive(c) for c in node.children)


# --- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # ( ) , AND OR NOT - NEAR FIELD LIST PHRASE WORD END
    value: str
    column: int  # 1-based
    number: int = 0  # NEAR's distance


def tokenize(text: str) -> list[Token]:
    m = _CONTROL.search(text)
    if m:
        raise QueryError(f"control character at column {m.start() + 1}")
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        col = i + 1
        if c.isspace():
            i += 1
        elif c in "(),":
            out.append(Token(c, c, col))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end == -1:
                raise QueryError(f'missing closing " for the phrase at column {col}')
            out.append(Token("PHRASE", text[i + 1 : end], col))
            i = end + 1
        elif c == "-" and (i == 0 or text[i - 1].isspace() or text[i - 1] == "("):
            if i + 1 == n or text[i + 1].isspace() or text[i + 1] in "),":
                raise QueryError(f"- at column {col} needs a term right after it, as in -Iranian")
            out.append(Token("-", c, col))
            i += 1
        elif near := _NEAR.match(text, i):
            out.append(Token("NEAR", near.group(0), col, int(near.group(1))))
            out.append(Token("(", "(", near.end()))
            i = near.end()
        else:
            word = _WORD_CHARS.match(text, i)
            assert word is not None
            value = word.group(0)
            field, sep, _rest = value.partition(":")
            if value in ("AND", "OR", "NOT"):
                out.append(Token(value, value, col))
            elif value.startswith("@") and len(value) > 1:
                out.append(Token("LIST", value[1:], col))
            elif sep and field.isalpha():
                out.append(Token("FIELD", field, col))
                i += len(field) + 1
                continue  # what follows the colon is tokenized on its own
            else:
                out.append(Token("WORD", value, col))
            i = word.end()
    out.append(Token("END", "", n + 1))
    return out


# --- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, lists: Mapping[str, Sequence[str]]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.lists = lists
        self.depth = 0
        self.count = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise QueryError(f"missing {what} at column {self.tok.column}")
        return self.take()

    def parse(self) -> Node:
        if self.tok.kind == "END":
            raise QueryError('empty query: give at least one term or "quoted phrase"')
        node = self.or_expr()
        if self.tok.kind == ")":
            raise QueryError(f"unexpected ) at column {self.tok.column}")
        if self.tok.kind != "END":  # pragma: no cover - or_expr consumes everything else
            raise QueryError(f"unexpected {self.tok.value!r} at column {self.tok.column}")
        return node

    def or_expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"nested too deeply at column {self.tok.column} (at most {MAX_DEPTH} levels)"
            )
        parts = [self.and_expr()]
        while self.tok.kind == "OR":
            op = self.take()
            if self.tok.kind in ("END", ")", "OR", "AND"):
                raise QueryError(f"OR at column {op.column} needs a term after it")
            parts.append(self.and_expr())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        if self.tok.kind in ("OR", "AND"):
            raise QueryError(f"{self.tok.kind} at column {self.tok.column} needs a term before it")
        parts = [self.unary()]
        while self.tok.kind not in ("END", ")", "OR", ","):
            if self.tok.kind == "AND":
                op = self.take()
                if self.tok.kind in ("END", ")", "OR", "AND"):
                    raise QueryError(f"AND at column {op.column} needs a term after it")
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        if self.tok.kind in ("NOT", "-"):
            op = self.take()
            if self.tok.kind in ("END", ")", "OR", "AND", ","):
                raise QueryError(f"{op.value} at column {op.column} needs a term after it")
            return Not(self.unary())
        return self.primary()

    def primary(self, fields: tuple[str, ...] = FIELDS) -> Node:
        t = self.tok
        if t.kind == "(":
            self.take()
            if self.tok.kind == ")":
                raise QueryError(f"empty parentheses at column {t.column}")
            node = self.or_expr()
            self.expect(")", ")")
            return _restrict(node, fields)
        if t.kind == "NEAR":
            return self.near(fields)
        if t.kind == "FIELD":
            return self.field(fields)
        if t.kind == "LIST":
            return self.named_list(fields)
        if t.kind in ("WORD", "PHRASE"):
            return self.term(fields)
        if t.kind == "END":
            raise QueryError(f"missing a term at column {t.column}")
        raise QueryError(f"unexpected {t.value!r} at column {t.column}")

    def field(self, fields: tuple[str, ...]) -> Node:
        t = self.take()
        name = t.value
        if name == "source":
            value = self.tok
            if value.kind not in ("WORD", "PHRASE"):
                raise QueryError(f"source: at column {t.column} needs a source name")
            self.take()
            return Source(value.value.strip())
        if name == "lang":
            value = self.tok
            code = value.value.strip().lower() if value.kind in ("WORD", "PHRASE") else ""
            if not re.fullmatch(r"[a-z]{2}", code):
                raise QueryError(
                    f"lang: at column {t.column} needs a two-letter language code, like lang:de"
                )
            self.take()
            return Lang(code)
        if name == "case":
            if self.tok.kind not in ("WORD", "PHRASE"):
                raise QueryError(f'case: at column {t.column} needs a term or "phrase"')
            return self.term(fields, case=True)
        if name not in FIELDS:
            raise QueryError(
                f"unknown field {name!r} at column {t.column} "
                "(known: title, summary, text, source, lang, case)"
            )
        if self.tok.kind in ("END", ")", "OR", "AND", ","):
            raise QueryError(f"{name}: at column {t.column} needs a term after it")
        return self.primary((name,))

    def named_list(self, fields: tuple[str, ...]) -> Node:
        t = self.take()
        items = self.lists.get(t.value)
        if items is None:
            known = ", ".join("@" + k for k in self.lists) or "none defined in [lists]"
            raise QueryError(f"unknown list @{t.value} at column {t.column} (known: {known})")
        return Or(
            tuple(
                self.make_term(item, item, t.column, fields, phrase=" " in item) for item in items
            )
        )

    def term(self, fields: tuple[str, ...], case: bool = False) -> Term:
        t = self.take()
        return self.make_term(
            t.value,
            t.value if t.kind == "WORD" else f'"{t.value}"',
            t.column,
            fields,
            phrase=t.kind == "PHRASE",
            case=case,
        )

    def make_term(
        self,
        value: str,
        shown: str,
        column: int,
        fields: tuple[str, ...],
        *,
        phrase: bool,
        case: bool = False,
    ) -> Term:
        self.count += 1
        if self.count > MAX_TERMS:
            raise QueryError(f"too many terms (more than {MAX_TERMS}) at column {column}")
        words = tuple(value.split())
        if not words:
            raise QueryError(f"empty phrase at column {column}")
        prefix = False
        if not phrase and words[0].endswith("*"):
            prefix = True
            words = (words[0].rstrip("*"),)
        if any("*" in w for w in words) or (prefix and not words[0]):
            raise QueryError(f"a * may only end a word, as in Russia*, at column {column}")
        return Term(
            text=shown.strip('"') if phrase else shown,
            words=words,
            prefix=prefix,
            case=case,
            fields=fields,
        )

    def near(self, fields: tuple[str, ...]) -> Node:
        t = self.take()
        self.take()  # the "(" the tokenizer split off
        left = self.near_operand(t, fields)
        if self.tok.kind == "END":
            raise QueryError(f"missing ) at column {self.tok.column}")
        self.expect(",", f"a comma between the two terms of {t.value}...)")
        right = self.near_operand(t, fields)
        self.expect(")", ")")
        return Near(t.number, left, right)

    def near_operand(self, near: Token, fields: tuple[str, ...]) -> Node:
        if self.tok.kind in ("WORD", "PHRASE"):
            return self.term(fields)
        if self.tok.kind == "LIST":
            return self.named_list(fields)
        if self.tok.kind == "FIELD" and self.tok.value == "case":
            self.take()
            return self.term(fields, case=True)
        if self.tok.kind == "END":
            raise QueryError(f"missing ) at column {self.tok.column}")
        raise QueryError(
            f"{near.value[:-1]} at column {near.column} takes two terms, "
            f"like NEAR/5(Iran, drones); found {self.tok.value!r} at column "
            f"{self.tok.column}"
        )


def _restrict(node: Node, fields: tuple[str, ...]) -> Node:
    """Apply a field prefix to everything inside parentheses."""
    if fields == FIELDS:
        return node
    if isinstance(node, Term):
        return Term(node.text, node.words, node.prefix, node.case, fields)
    if isinstance(node, Not):
        return Not(_restrict(node.child, fields))
    if isinstance(node, And):
        return And(tuple(_restrict(c, fields) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_restrict(c, fields) for c in node.children))
    if isinstance(node, Near):
        return Near(node.distance, _restrict(node.left, fields), _restrict(node.right, fields))
    return node


def parse_query(text: str, lists: Mapping[str, Sequence[str]] | None = None) -> Node:
    """The syntax tree of ``text``; QueryError with the column of the problem."""
    node = _Parser(text, lists or {}).parse()
    if not has_positive(node):
        raise QueryError("the query only excludes (NOT/-); add a term it must contain")
    return node
