r"""A small TeX to MathML converter for the subset the report's derivation uses.

The report renders its equations offline as MathML Core, which browsers
(Chromium, Firefox, Safari) draw natively. The same TeX source goes unchanged
into ``docs/theory.md``, where GitHub renders ``$...$`` math. Anything outside
the subset raises :class:`ValueError` naming the command, so an equation never
renders silently wrong.

Supported: letters, numbers, operators; ``^`` and ``_``; ``{...}`` groups;
``\frac``, ``\sqrt``, ``\left ... \right``; Greek letters; ``\sum``,
``\prod``, ``\max``, ``\min``, ``\arg``, ``\log``, ``\exp``, ``\det``,
``\ln``, ``\operatorname``; ``\text``, ``\mathrm``, ``\mathcal``,
``\mathbb``; accents ``\hat``, ``\bar``, ``\tilde``; relations and spacing commands
listed in the tables below.
"""

from __future__ import annotations

import html
import re

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "xi": "ξ",
    "zeta": "ζ",
    "kappa": "κ",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Pi": "Π",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}

#: Commands drawn as operators (``<mo>``).
OPERATORS = {
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "propto": "∝",
    "equiv": "≡",
    "sim": "∼",
    "in": "∈",
    "cdot": "⋅",
    "times": "×",
    "to": "→",
    "mapsto": "↦",
    "Rightarrow": "⇒",
    "mid": "∣",
    "lbrace": "{",
    "rbrace": "}",
    "lVert": "‖",
    "rVert": "‖",
    "langle": "⟨",
    "rangle": "⟩",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "pm": "±",
    "forall": "∀",
}

#: Commands drawn as identifiers (``<mi>``).
SYMBOLS = {
    "partial": "∂",
    "nabla": "∇",
    "infty": "∞",
    "top": "⊤",
    "ell": "ℓ",
}

#: Large operators whose limits go under and over in display math.
LARGE_OPERATORS = {"sum": "∑", "prod": "∏"}

#: Function names set upright and followed by a thin space.
FUNCTIONS = {"log", "exp", "det", "ln", "max", "min", "arg", "tr", "diag"}

#: Functions whose subscript goes underneath in display math.
LIMIT_FUNCTIONS = {"max", "min"}

SPACES = {",": "0.1667em", ":": "0.2222em", ";": "0.2778em", "quad": "1em"}
SPACES["qquad"] = "2em"
SPACES[" "] = "0.25em"

#: Blackboard capitals that have a character in the Basic Multilingual Plane.
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ"}

ESCAPED = {"{": "{", "}": "}", "|": "‖", "%": "%", "#": "#", "&": "&"}

ACCENTS = {"hat": "^", "bar": "¯", "tilde": "~"}

#: ASCII operators and their MathML characters.
ASCII_OPERATORS = {"-": "−", "*": "∗", "'": "′"}

_TOKEN = re.compile(
    r"\\[A-Za-z]+|\\.|[A-Za-z]|[0-9]+(?:\.[0-9]+)?|\s+|.",
    re.DOTALL,
)


class _Parser:
    def __init__(self, tex: str, display: bool):
        self.tex = tex
        self.display = display
        matches = [m for m in _TOKEN.finditer(tex) if not m.group().isspace()]
        self.tokens = [m.group() for m in matches]
        self.starts = [m.start() for m in matches]
        self.pos = 0

    # ----------------------------------------------------------------- tokens
    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> str:
        token = self.peek()
        if token is None:
            raise self.error("the formula ends too early")
        self.pos += 1
        return token

    def error(self, what: str) -> ValueError:
        return ValueError(f"Cannot convert TeX to MathML ({what}): {self.tex!r}")

    def expect(self, token: str) -> None:
        got = self.next()
        if got != token:
            raise self.error(f"expected {token!r}, found {got!r}")

    def raw_text(self) -> str:
        """The literal source text of a ``{...}`` argument, spaces kept."""
        self.expect("{")
        start = self.starts[self.pos - 1] + 1
        depth = 1
        while True:
            token = self.next()
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    return self.tex[start : self.starts[self.pos - 1]].strip()

    # ----------------------------------------------------------------- parsing
    def expression(self, stop: tuple[str, ...] = ()) -> list[str]:
        nodes: list[str] = []
        while True:
            token = self.peek()
            if token is None or token in stop:
                return nodes
            nodes.extend(self.scripted())

    def scripted(self) -> list[str]:
        """An atom with any sub- and superscripts attached."""
        base, kind = self.atom()
        sub = sup = None
        while self.peek() in ("_", "^"):
            which = self.next()
            argument = self.argument()
            if which == "_":
                if sub is not None:
                    raise self.error("double subscript")
                sub = argument
            else:
                if sup is not None:
                    raise self.error("double superscript")
                sup = argument
        if sub is None and sup is None:
            node = base
        elif kind in ("large", "limit") and self.display:
            if sub is not None and sup is not None:
                node = f"<munderover>{base}{sub}{sup}</munderover>"
            elif sub is not None:
                node = f"<munder>{base}{sub}</munder>"
            else:
                node = f"<mover>{base}{sup}</mover>"
        elif sub is not None and sup is not None:
            node = f"<msubsup>{base}{sub}{sup}</msubsup>"
        elif sub is not None:
            node = f"<msub>{base}{sub}</msub>"
        else:
            node = f"<msup>{base}{sup}</msup>"
        if kind in ("function", "limit"):
            return [node, '<mspace width="0.1667em"/>']
        return [node]

    def argument(self) -> str:
        """One script or command argument: a ``{...}`` group or a single atom."""
        if self.peek() == "{":
            self.next()
            inner = self.expression(stop=("}",))
            self.expect("}")
            return _row(inner)
        node, _ = self.atom()
        return node

    def atom(self) -> tuple[str, str]:
        """The next atom and its kind (plain, large, function or limit)."""
        token = self.next()
        if token == "{":
            inner = self.expression(stop=("}",))
            self.expect("}")
            return _row(inner), "plain"
        if token in ("^", "_"):
            raise self.error(f"{token!r} has nothing to attach to")
        if token == "}":
            raise self.error("unbalanced '}'")
        if token.startswith("\\"):
            return self.command(token[1:])
        if token.isalpha():
            return f"<mi>{token}</mi>", "plain"
        if token[0].isdigit():
            return f"<mn>{token}</mn>", "plain"
        if token in ("&", "#", "%", "~", "$"):
            raise self.error(f"unsupported character {token!r}")
        char = ASCII_OPERATORS.get(token, token)
        return _operator(char), "plain"

    def command(self, name: str) -> tuple[str, str]:
        if name in GREEK:
            letter = GREEK[name]
            variant = ' mathvariant="normal"' if name[0].isupper() else ""
            return f"<mi{variant}>{letter}</mi>", "plain"
        if name in OPERATORS:
            return _operator(OPERATORS[name]), "plain"
        if name in SYMBOLS:
            return f"<mi>{SYMBOLS[name]}</mi>", "plain"
        if name in LARGE_OPERATORS:
            return f"<mo>{LARGE_OPERATORS[name]}</mo>", "large"
        if name in FUNCTIONS:
            kind = "limit" if name in LIMIT_FUNCTIONS else "function"
            return f"<mi>{name}</mi>", kind
        if name in SPACES:
            return f'<mspace width="{SPACES[name]}"/>', "plain"
        if name == "!":
            return "", "plain"
        if name in ESCAPED:
            return _operator(ESCAPED[name]), "plain"
        if name == "frac":
            numerator = self.argument()
            denominator = self.argument()
            return f"<mfrac>{numerator}{denominator}</mfrac>", "plain"
        if name == "sqrt":
            return f"<msqrt>{self.argument()}</msqrt>", "plain"
        if name in ACCENTS:
            base = self.argument()
            mark = ACCENTS[name]
            return f'<mover accent="true">{base}<mo>{mark}</mo></mover>', "plain"
        if name == "left":
            return self.fenced(), "plain"
        if name == "right":
            raise self.error("\\right without \\left")
        if name in ("text", "mathrm", "operatorname"):
            text = html.escape(self.raw_text())
            if name == "text":
                return f"<mtext>{text}</mtext>", "plain"
            if name == "operatorname":
                return f"<mi>{text}</mi>", "function"
            variant = ' mathvariant="normal"' if len(text) == 1 else ""
            return f"<mi{variant}>{text}</mi>", "plain"
        if name == "mathcal":
            # Script letters live outside the Basic Multilingual Plane, where
            # many system fonts have no glyphs; an upright capital is safe.
            text = html.escape(self.raw_text())
            return f'<mi mathvariant="normal">{text}</mi>', "plain"
        if name == "mathbb":
            letter = self.raw_text()
            if letter not in BLACKBOARD:
                raise self.error(f"no blackboard letter for {letter!r}")
            return f"<mi>{BLACKBOARD[letter]}</mi>", "plain"
        raise self.error(f"unknown command \\{name}")

    def fenced(self) -> str:
        opening = self.delimiter()
        inner = self.expression(stop=("\\right",))
        self.expect("\\right")
        closing = self.delimiter()
        return _row([opening, *inner, closing])

    def delimiter(self) -> str:
        token = self.next()
        if token == ".":
            return ""
        if token.startswith("\\"):
            name = token[1:]
            char = OPERATORS.get(name) or ESCAPED.get(name)
            if char is None:
                raise self.error(f"unknown delimiter {token}")
        else:
            char = token
        return f'<mo stretchy="true">{html.escape(char)}</mo>'


#: Characters browsers stretch by default; TeX only stretches \\left and \\right.
FENCES = set("()[]{}|‖∣⟨⟩")


def _operator(char: str) -> str:
    fixed = ' stretchy="false"' if char in FENCES else ""
    return f"<mo{fixed}>{html.escape(char, quote=False)}</mo>"


def _row(nodes: list[str]) -> str:
    nodes = [n for n in nodes if n]
    return nodes[0] if len(nodes) == 1 else f"<mrow>{''.join(nodes)}</mrow>"


def tex_to_mathml(tex: str, display: bool = False) -> str:
    """Convert one formula of the supported TeX subset to a ``<math>`` element.

    Parameters
    ----------
    tex : str
        The formula, without ``$`` delimiters.
    display : bool, default=False
        Block (display) math: limits of sums go under and over.

    Returns
    -------
    mathml : str
        A ``<math>`` element carrying the TeX source as an annotation.

    Raises
    ------
    ValueError
        If the formula uses something outside the subset or is unbalanced.

    Examples
    --------
    >>> tex_to_mathml("x^2")
    '<math><semantics><msup><mi>x</mi><mn>2</mn></msup><annotation encoding="application/x-tex">x^2</annotation></semantics></math>'
    """  # noqa: E501
    parser = _Parser(tex, display)
    nodes = parser.expression()
    if parser.peek() is not None:
        raise parser.error(f"unexpected {parser.peek()!r}")
    body = _row(nodes) if nodes else "<mrow></mrow>"
    block = ' display="block"' if display else ""
    annotation = html.escape(tex.strip(), quote=False)
    return (
        f"<math{block}><semantics>{body}"
        f'<annotation encoding="application/x-tex">{annotation}</annotation>'
        "</semantics></math>"
    )
