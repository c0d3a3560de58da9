"""Read the number a prompt names, however it is written. Pure Python; the MNIST text model uses it.

`read_number(text)` -> a `NumberReading` (the value, the words it came from and where they are) or None.
It covers these phrasings (case and most punctuation ignored):

- digits and number words: "7", "seven", "twenty-one", "a 0", foreign words for 0-9 (Spanish, French,
  German, Italian, Portuguese: "siete", "huit", "neun", "sette", "quatro"), zero words ("nought", "nil",
  "zilch", "none", "nothing");
- ordinals: "seventh", "the 3rd number" -> 3; "the first of the ten digits" -> 0 (the digits start at 0);
- quantities: "a dozen" (12), "half a dozen" (6), "a baker's dozen" (13), "a score" (20), "a pair" /
  "a couple" (2), "a trio" (3), "a quartet" ... "an octet" (8), "a single" (1);
- roman numerals I to XXXIX: upper case anywhere ("VII"), any case after "roman" or "numeral", or alone
  ("ix"); a lone upper-case "I" is read only after "roman"/"numeral" (it is usually the pronoun);
- arithmetic, nested and in words or symbols: plus / + / add, minus / - / take away / less, times / x / * /
  multiplied by, divided by / / / over, "A more than B", "A less than B", "subtract A from B", "the sum of A
  and B", "the difference between A and B", "the product of A and B", "halfway between A and B", squared,
  cubed, "to the power of", "square root of", half / halved / a quarter of, twice / double / triple /
  thrice, "two fours" (times-table words: 8), "negative three";
- neighbours: "the number after 6", "what comes before 4", "the successor of 2", "one less than eight", "the
  third digit after zero" (3), "the second number before 9" (7);
- everyday facts and descriptions of a digit: "how many legs a spider has", "days in a week", "sides of a
  triangle", "wheels on a tricycle", "fingers on one hand", "the number of dwarfs", "how many lives a cat
  has", "the only even prime", "a lucky number" (7), "the biggest digit", "the digit that looks like a snowman", "an
  upside-down 6" (a fixed list, FACTS in aegan/numbers.py; nothing outside it is guessed at).

A result outside 0-9, or not a whole number, is still returned (`NumberReading.digit` is then None), so the
caller can say what it read instead of wrapping it into a digit. When a prompt names several numbers
(a 7 "with 2 loops"), explicit numbers and sums beat ordinals, which beat facts, which beat group words
("a pair of sevens" is a 7); the others are kept in `others`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
FOREIGN = {  # 0-9 in the languages visitors most often type; "due" and "un" are left out (English words)
    0: "cero zéro zero null nulla", 1: "uno eins um une", 2: "dos deux zwei dois", 3: "tres trois drei tre três",
    4: "cuatro quatre vier quattro quatro", 5: "cinco cinq fünf funf cinque", 6: "seis sechs sei",
    7: "siete sept sieben sette", 8: "ocho huit acht otto oito", 9: "nueve neuf neun nove",
}
ZERO_WORDS = {"nought": 3, "naught": 3, "nil": 3, "zilch": 3, "nada": 3,  # word: rank
              "none": 0, "nothing": 0, "zip": 0}
ORDINALS = {w: i for i, w in enumerate("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                                       "eleventh twelfth".split())}
GROUPS = {"dozen": (12, 3), "score": (20, 0), "pair": (2, 0), "couple": (2, 0), "trio": (3, 0), "triplet": (3, 0),
          "quartet": (4, 0), "quintet": (5, 0), "sextet": (6, 0), "septet": (7, 0), "octet": (8, 0), "nonet": (9, 0),
          "quad": (4, 0), "single": (1, 0), "solo": (1, 0)}  # word: (value, rank); rank 0: only when alone
PLURALS = {"zeros": 0, "zeroes": 0, "ones": 1, "twos": 2, "threes": 3, "fours": 4, "fives": 5, "sixes": 6,
           "sevens": 7, "eights": 8, "nines": 9}
ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}

# Ranks: which of several numbers in one prompt is meant.
WEAK, FACT, ORDINAL, EXPLICIT = 0, 1, 2, 3

# Everyday facts and descriptions: every group of words must appear within FACT_WINDOW words; "a|b" = either,
# and a word matches its plural ("leg" matches "legs"). The longest matching fact wins.
FACT_WINDOW = 8
_LEGS = {8: "spider|octopus|scorpion", 6: "insect|ant|bee|beetle|fly|butterfly|ladybird|ladybug|grasshopper",
         4: "dog|cat|horse|cow|table|chair|elephant|lion|tiger|sheep|pig|zebra|giraffe|goat|mouse|rabbit|bear",
         3: "stool|tripod", 2: "bird|chicken|human|person|people|man|woman|duck|penguin|ostrich|kangaroo|you|me",
         0: "fish|snake|worm|whale|dolphin|shark"}
FACTS = [
    *[(("leg", animals), value) for value, animals in _LEGS.items()],
    (("arm|tentacle", "octopus"), 8), (("wing", "bird|chicken|duck"), 2), (("wing", "butterfly|dragonfly"), 4),
    (("wheel|tyre|tire", "unicycle"), 1), (("wheel|tyre|tire", "bicycle|bike|motorbike|motorcycle|scooter"), 2),
    (("wheel|tyre|tire", "tricycle|trike"), 3), (("wheel|tyre|tire", "car|taxi"), 4), (("wheel", "boat|sled"), 0),
    (("side|corner|angle|vertice|vertex", "triangle"), 3), (("side|corner|angle", "square|rectangle"), 4),
    (("side|corner", "pentagon"), 5), (("side|corner", "hexagon"), 6), (("side|corner", "heptagon"), 7),
    (("side|corner", "octagon"), 8), (("side|corner", "nonagon"), 9), (("side", "coin"), 2),
    (("face|side", "cube|die|dice"), 6), (("face", "tetrahedron"), 4), (("point", "star"), 5),
    (("finger|digit", "hand"), 5), (("toe", "foot|feet"), 5), (("eye",), 2), (("ear",), 2), (("nose",), 1),
    (("mouth",), 1), (("thumb",), 2), (("head",), 1), (("heart",), 1),
    (("sun",), 1), (("moon",), 1), (("season",), 4), (("continent",), 7), (("ocean",), 5),
    (("day", "week"), 7), (("day", "weekend"), 2), (("colour|color", "rainbow"), 7), (("primary", "colour|color"), 3),
    (("dwarf|dwarves",), 7), (("little", "pig"), 3), (("musketeer",), 3), (("blind", "mice"), 3),
    (("wise", "men"), 3), (("wonder", "world"), 7), (("deadly", "sin"), 7), (("life|lives", "cat"), 9),
    (("note", "octave"), 8), (("planet",), 8), (("planet", "used|pluto|old|once"), 9),
    (("string", "violin|ukulele"), 4), (("string", "guitar"), 6), (("horn", "unicorn"), 1),
    (("compass", "point|direction"), 4), (("player", "basketball"), 5), (("hole", "one"), 1),
    (("smallest|lowest", "digit|numeral|figure"), 0),
    (("biggest|largest|highest|last|greatest", "digit|numeral|figure"), 9),
    (("smallest|first", "prime"), 2), (("even", "prime"), 2), (("lucky", "number|digit"), 7),
    (("smallest|lowest", "positive", "whole|integer"), 1), (("smallest|lowest", "odd"), 1),
    (("snowman",), 8), (("hourglass",), 8), (("stacked", "loop|circle|ring|ball"), 8),
    (("loop", "on", "top"), 8), (("egg",), 0), (("donut|doughnut",), 0), (("letter", "o"), 0), (("circle|ring",), 0),
    (("backwards|mirrored|reversed|flipped", "e"), 3), (("vertical|straight", "line|stroke|stick"), 1), (("swan",), 2),
]

# Words dropped before the arithmetic is read: they never change which number is meant.
FILLERS = set("the a an number digit figure numeral count that which comes come coming is are it its what whats "
              "right just immediately directly value equals equal gives give me please you get makes make then "
              "written write as in handwriting drawn draw show one's".split())


@dataclass(frozen=True)
class NumberReading:
    value: float  # what the words name (a whole number is an int)
    phrase: str  # the words it was read from, as typed
    start: int  # text[start:end] == phrase
    end: int
    others: tuple = ()  # other numbers the prompt named, not used

    @property
    def digit(self) -> int | None:
        """The digit 0-9 the prompt names, or None when the number is not one (12, -3, 3.5)."""
        whole = not math.isnan(self.value) and float(self.value).is_integer()
        return int(self.value) if whole and 0 <= self.value <= 9 else None

    @property
    def plain(self) -> bool:
        """True when the phrase is just the digit or its English word ("7", "seven"): nothing to explain."""
        return self.phrase.lower() in {str(self.value), _word(self.value)}

    def describe(self) -> str:
        """'7 (three plus four)'; for a number that is no digit "'a dozen' is 12, not a digit 0-9"."""
        shown = _shown(self.value)
        if self.digit is not None:
            return shown if self.plain else f"{shown} ({self.phrase})"
        return f"{shown} is not a digit 0-9" if self.plain else f"'{self.phrase}' is {shown}, not a digit 0-9"


def _word(value) -> str:
    names = {v: w for w, v in WORDS.items()}
    return names.get(value, str(value))


def _shown(value) -> str:
    if math.isnan(value):
        return "undefined"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


@dataclass
class _Item:
    symbol: str  # "#" for a number, else the lower-case word or operator
    start: int
    end: int
    value: float | None = None
    rank: int = EXPLICIT
    ordinal: bool = False
    plural: bool = False  # a plural number word ("fours"), for times-table phrasings
    word: bool = False  # a number written in letters
    size: int = 1  # words it was read from: of several numbers, the one read from most words wins


TOKEN = re.compile(r"\d+(?:\.\d+)?(?:st|nd|rd|th|s)?|[a-zà-ÿ]+(?:'[a-z]+)?|[+\-*/×÷^=]")
_FOREIGN = {w: d for d, words in FOREIGN.items() for w in words.split()}


def _lex(text: str) -> list[_Item]:
    lower = text.lower().replace("’", "'")
    matches = list(TOKEN.finditer(lower))
    content = [m.group(0) for m in matches if m.group(0) not in FILLERS]
    items: list[_Item] = []
    for i, m in enumerate(matches):
        token, original = m.group(0), text[m.start():m.end()]
        previous = matches[i - 1].group(0) if i else ""
        item = _Item(token, m.start(), m.end())
        number = re.fullmatch(r"(\d+(?:\.\d+)?)(st|nd|rd|th|s)?", token)
        if number:
            value = float(number.group(1))
            item = _Item("#", m.start(), m.end(), int(value) if value.is_integer() else value,
                         ordinal=number.group(2) in ("st", "nd", "rd", "th"), rank=EXPLICIT)
            if item.ordinal:
                item.rank = ORDINAL
        elif token in WORDS or token in _FOREIGN:
            item = _Item("#", m.start(), m.end(), WORDS.get(token, _FOREIGN.get(token)), word=True)
            before = {matches[j].group(0) for j in range(max(0, i - 2), i)}
            if token == "one" and before & {"a", "an", "the", "this", "that", "another", "which"}:
                item.rank = WEAK  # "a thin one" is a pronoun when the prompt names another number
        elif token in TENS:
            item = _Item("#", m.start(), m.end(), TENS[token], word=True)
        elif token in PLURALS:
            item = _Item("#", m.start(), m.end(), PLURALS[token], word=True, plural=True)
        elif token in ORDINALS:
            item = _Item("#", m.start(), m.end(), ORDINALS[token], rank=ORDINAL, ordinal=True, word=True)
        elif token in ZERO_WORDS:
            item = _Item("#", m.start(), m.end(), 0, rank=ZERO_WORDS[token], word=True)
        elif token in GROUPS:
            value, rank = GROUPS[token]
            start = matches[i - 1].start() if previous in ("a", "an", "baker's") else m.start()  # "a dozen"
            if previous == "baker's" and token == "dozen":
                value, rank = 13, EXPLICIT
            item = _Item("#", start, m.end(), value, rank=rank, word=True, size=2 if start < m.start() else 1)
        elif ROMAN.match(token) and token and (
                (original.isupper() and len(token) > 1) or previous in ("roman", "numeral", "numerals")
                or content == [token]):
            item = _Item("#", m.start(), m.end(), _roman(token))
        items.append(item)
    return _compounds(items)


def _roman(token: str) -> int:
    values = [ROMAN_VALUES[c] for c in token]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _compounds(items: list[_Item]) -> list[_Item]:
    """'twenty one' / 'twenty-one' -> 21."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.symbol == "#" and item.word and item.value in TENS.values():
            j = i + 2 if i + 2 < len(items) and items[i + 1].symbol == "-" else i + 1
            if j < len(items) and items[j].symbol == "#" and items[j].word and 1 <= (items[j].value or 0) <= 9 \
                    and not items[j].ordinal and not items[j].plural and items[j].rank == EXPLICIT:
                out.append(_Item("#", item.start, items[j].end, item.value + items[j].value, word=True, size=2))
                i = j + 1
                continue
        out.append(item)
        i += 1
    return out


def _matches(token: str, stem: str) -> bool:
    return any(token in (s, s + "s", s + "es") or (s.endswith("y") and token == s[:-1] + "ies") or
               (s.endswith("f") and token == s[:-1] + "ves") for s in stem.split("|"))


def _facts(items: list[_Item]) -> list[_Item]:
    """Replace the words of the best matching fact (and any number inside them) by that fact's number."""
    words = [item.symbol if item.symbol != "#" else "" for item in items]
    best = None
    for stems, value in FACTS:
        for first in range(len(words)):
            if not _matches(words[first], stems[0]):
                continue
            found = [first]
            for stem in stems[1:]:
                near = [j for j in range(max(0, first - FACT_WINDOW), min(len(words), first + FACT_WINDOW + 1))
                        if j not in found and _matches(words[j], stem)]
                if not near:
                    break
                found.append(near[0])
            if len(found) == len(stems) and (best is None or len(stems) > len(best[0])):
                best = (stems, value, min(found), max(found))
            break
    if best is None:
        return items
    _, value, first, last = best
    if first and items[first - 1].symbol == "#" and items[first - 1].word:
        first -= 1  # a count of the fact's things ("two stacked loops") belongs to the fact
    fact = _Item("#", items[first].start, items[last].end, value, rank=FACT, size=last - first + 1)
    return items[:first] + [fact] + items[last + 1:]


def _exact(value: float) -> float:
    return int(value) if not math.isnan(value) and float(value).is_integer() else value


def _power(a, b):
    return a ** b if abs(a) <= 100 and 0 <= b <= 10 else None


def _divide(a, b):
    return a / b if b else math.nan  # said as "undefined", never a digit


def _between(a, b):
    return (a + b) / 2 if abs(a - b) >= 2 else None


def _upside_down(a):
    return {0: 0, 1: 1, 6: 9, 8: 8, 9: 6}.get(a)


N = r"(#\d+)"  # a number in the reduced sentence: "#" + its index
RULES = [  # (pattern over the reduced sentence, value from the numbers it names); tried in order, repeatedly
    (rf"{N} of (?:#\d+ )?(?:digits|figures|numbers|numerals)", "ordinal_of"),
    (rf"upside (?:- )?down {N}|{N} upside (?:- )?down", lambda a: _upside_down(a)),
    (rf"square root of {N}|root of {N}|sqrt {N}", lambda a: math.sqrt(a) if a >= 0 else None),
    (rf"{N} squared", lambda a: a * a), (rf"{N} cubed", lambda a: a ** 3),
    (rf"{N} (?:to (?:the )?power (?:of )?|\^ |raised to (?:the power of )?){N}", _power),
    (rf"(?:half|halve) (?:of )?{N}|{N} halved|{N} (?:divided|split|cut) in half", lambda a: a / 2),
    (rf"(?:quarter) of {N}", lambda a: a / 4),
    (rf"(?:twice|double|doubled) {N}|{N} doubled", lambda a: 2 * a),
    (rf"(?:triple|thrice|tripled) {N}|{N} tripled", lambda a: 3 * a),
    (rf"{N} {N}", "times_table"),
    (rf"(?:sum|total) of {N} and {N}|add {N} (?:and|to) {N}", lambda a, b: a + b),
    (rf"(?:difference|gap) (?:between|of) {N} and {N}", lambda a, b: abs(a - b)),
    (rf"product of {N} and {N}|multiply {N} (?:and|by) {N}", lambda a, b: a * b),
    (rf"(?:halfway |midway )?between {N} and {N}", _between),
    (rf"{N} (?P<op>times|x|\*|×|multiplied by|lots of|divided by|/|÷|over|shared between|split between) {N}",
     lambda a, op, b: a * b if op in ("times", "x", "*", "×", "multiplied by", "lots of") else _divide(a, b)),
    (rf"divide {N} by {N}", _divide),
    (rf"{N} (?:more than|greater than|bigger than|higher than|above) {N}", lambda a, b: b + a),
    (rf"{N} (?:less than|fewer than|smaller than|lower than|below|under) {N}", lambda a, b: b - a),
    (rf"(?:subtract|take|remove|minus) {N} (?:away )?from {N}", lambda a, b: b - a),
    (rf"{N} (?P<op>plus|\+|add|added to|and another|more|minus|-|take away|takeaway|taken away|less|subtract|"
     rf"without) {N}", lambda a, op, b: a + b if op in ("plus", "+", "add", "added to", "and another", "more")
     else a - b),
    (rf"{N} (?:after|following|past) {N}", "nth_after"), (rf"{N} (?:before|preceding) {N}", "nth_before"),
    (rf"(?:after|following|follows|succeeds|successor of|next after|up from) {N}", lambda a: a + 1),
    (rf"(?:before|preceding|precedes|predecessor of|prior to|down from) {N}", lambda a: a - 1),
    (rf"(?:negative|minus|-) {N}", lambda a: -a),
]
_RULES = [(re.compile(rf"(?<![\w#]){pattern}(?![\w])"), how) for pattern, how in RULES]


def _reduce(items: list[_Item]) -> list[_Item]:
    """Apply RULES until none matches; each match becomes one number spanning the words it read."""
    items = [item for item in items if item.symbol not in FILLERS]
    for _ in range(4 * len(items) + 1):  # each step removes at least one item
        symbols = [f"#{i}" if item.symbol == "#" else item.symbol for i, item in enumerate(items)]
        sentence = " ".join(symbols)
        offsets, at = [], 0
        for symbol in symbols:
            offsets.append(at)
            at += len(symbol) + 1
        for pattern, how in _RULES:
            found = None
            for match in pattern.finditer(sentence):
                numbers = [items[int(g[1:])] for g in match.groups() if g and g.startswith("#")]
                value = _apply(how, numbers, match.groupdict().get("op"))
                if value is not None:
                    found = (match, value)
                    break
            if found:
                break
        else:
            return items
        match, value = found
        inside = [i for i, o in enumerate(offsets) if match.start() <= o < match.end()]
        merged = _Item("#", items[inside[0]].start, items[inside[-1]].end, _exact(value),
                       size=sum(items[i].size for i in inside))
        items = items[:inside[0]] + [merged] + items[inside[-1] + 1:]
    return items


def _apply(how, numbers: list[_Item], op: str | None = None):
    values = [n.value for n in numbers]
    if how == "ordinal_of":  # "the first of the ten digits": the digits are counted from 0
        n = numbers[0]
        return n.value - 1 if n.ordinal and n.value >= 1 else None
    if how == "times_table":  # "two fours" = 8; "one seven" = 7; never two digits side by side ("3 5")
        a, b = numbers
        if a.word and b.word and b.plural and not a.plural and not a.ordinal and a.rank == EXPLICIT:
            return a.value * b.value
        if a.word and a.value == 1 and a.rank == EXPLICIT and not a.ordinal and not b.ordinal:
            return b.value
        return None
    if how in ("nth_after", "nth_before"):  # "the third digit after 0" is 3; "the second before 9" is 7
        n, start = numbers
        if not n.ordinal or start.ordinal:
            return None
        return start.value + n.value if how == "nth_after" else start.value - n.value
    if any(n.ordinal for n in numbers):
        return None  # "the first plus two" is not arithmetic anyone types
    try:
        value = how(*values) if op is None else how(values[0], op, values[1])
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return None
    return value


def read_number(text: str) -> NumberReading | None:
    """The number `text` names (see the module docstring for the phrasings covered), or None."""
    items = _reduce(_facts(_lex(text)))
    numbers = [item for item in items if item.symbol == "#"]
    if not numbers:
        return None
    top = max(n.rank for n in numbers)
    best = max((n for n in numbers if n.rank == top), key=lambda n: (n.size, -n.start))
    others = tuple(dict.fromkeys(n.value for n in numbers
                                 if n is not best and n.value != best.value and n.rank >= FACT))
    return NumberReading(best.value, text[best.start:best.end], best.start, best.end, others)


def _vocabulary() -> frozenset[str]:
    words = {*WORDS, *TENS, *_FOREIGN, *ZERO_WORDS, *ORDINALS, *GROUPS, *PLURALS}
    words |= {w for stems, _ in FACTS for stem in stems for w in stem.split("|")}
    words |= {w for pattern, _ in RULES for w in re.findall(r"[a-z]{3,}", pattern)}
    return frozenset(words)


VOCABULARY = _vocabulary()  # every word the reader knows: a spelling corrector must leave these alone
