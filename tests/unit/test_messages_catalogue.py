"""STYLE §3 (issue 10): every text the service shows comes from domain/messages.py by its code.

Two rules, each guarded by a scan of the source:

1. No sentence is written into state/ or cli/ itself. A string literal there that contains kana
   or kanji must be one of
   - a docstring;
   - in a declared label table: a module-level constant whose name ends in ``LABEL``,
     ``LABELS``, ``TITLES``, ``CHOICES`` or ``HELP`` (a field's name, a cell's value, a
     dialog's title, a select's choices, a command's help);
   - a field's label handed to a rule or an ``Err`` whose catalogue text quotes it
     (``label=…``, ``{"label": …}``);
   - argparse's documentation of a command: ``help=`` / ``description=``, or an argument of
     the CLI's parser builders (``leaf``, ``branch``, ``add_argument``).
   Everything else — refusals, notices, what a command reports — is ``message(code, …)``.
2. Every message code named anywhere in chingin_app (``Err("E-…")``, ``message("I-…")``, a
   code in a set of codes …) is in the catalogue, and no code is defined twice.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from chingin_app.domain import messages
from chingin_app.domain.messages import MESSAGES

APP = Path(__file__).resolve().parents[2] / "chingin_app"
SCANNED = (APP / "state", APP / "cli")
#: Kana (hiragana, katakana, half-width katakana) or kanji: Japanese words. Punctuation and
#: full-width spaces alone (a separator such as "：" or "　") are layout, not text.
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
CODE = re.compile(r"(?:E|I|W|MSG)(?:-[A-Z0-9]+)+")
LABEL_TABLE = re.compile(r"_?[A-Z0-9_]*(?:LABELS?|TITLES|CHOICES|HELP)")
LABEL_KEYWORDS = frozenset({"label", "help", "description"})
HELP_CALLS = frozenset({"leaf", "branch", "add_argument"})

def _name_of(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _exempt_nodes(tree: ast.Module) -> set[int]:
    """The ids of the nodes rule 1 lets through (docstrings, label tables, labels, help)."""
    allowed: list[ast.AST] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            allowed.append(body[0].value)
        elif isinstance(node, ast.Call):
            allowed += [k.value for k in node.keywords if k.arg in LABEL_KEYWORDS]
            if _name_of(node) in HELP_CALLS:
                allowed += node.args
        elif isinstance(node, ast.Dict):  # an Err's params: {"label": "番号"}
            allowed += [v for k, v in zip(node.keys, node.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value == "label"]
    for stmt in tree.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names and all(LABEL_TABLE.fullmatch(n) for n in names):
            allowed.append(stmt)
    return {id(inner) for node in allowed for inner in ast.walk(node)}


def _refused(source: str) -> list[ast.Constant]:
    """The string literals of ``source`` that rule 1 refuses."""
    tree = ast.parse(source)
    exempt = _exempt_nodes(tree)
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and JAPANESE.search(node.value)
        and id(node) not in exempt
    ]


def bare_texts(path: Path) -> list[str]:
    """``file:line: text`` for each string literal in ``path`` that rule 1 refuses."""
    return [
        f"{path.relative_to(APP)}:{node.lineno}: {node.value!r}"
        for node in _refused(path.read_text(encoding="utf-8"))
    ]


def _scanned_files() -> list[Path]:
    return sorted(p for root in SCANNED for p in root.rglob("*.py"))


def test_style_3_no_bare_japanese_text_in_state_or_cli() -> None:
    """STYLE §3: "user-visible Japanese text goes through domain/messages.py"."""
    found = [
        line
        for path in _scanned_files()
        for line in bare_texts(path)
    ]
    assert found == []
    assert len(_scanned_files()) > 30  # the scan saw state/, its packages and cli/


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ('x = f"契約 {n} を登録しました。"\n', True),  # a sentence in code
        ('def f():\n    return "入力してください。"\n', True),
        ('DONE = "変更しました。"\n', True),  # a message under a name that is no label table
        ('class S:\n    notice: str = "なし"\n', True),  # a var default is no label table
        ('STATUS_LABELS = {"active": "利用中"}\n', False),
        ('_KIND_CHOICES: Final = (("", "（すべて）"),)\n', False),
        ('def f():\n    """説明。"""\n', False),
        ('check(x, label="受付番号")\n', False),
        ('invalid(Err("E-ID-FORMAT", "id", {"label": "番号"}))\n', False),
        ('invalid(Err("E-X", "id", {"note": "番号です"}))\n', True),
        ('leaf(group, "add", handler, "登録します")\n', False),
        ('p.add_argument("--name", help="氏名")\n', False),
        ('ROW = f"{a}：{b}　{c}"\n', False),  # layout only, no words
    ],
)
def test_style_3_scan_tells_texts_from_labels(source: str, refused: bool) -> None:
    """The scan itself: it catches a sentence and lets the declared exemptions through."""
    assert bool(_refused(source)) is refused


def _codes_named_in_app() -> dict[str, str]:
    """Every message code written as a string in chingin_app: code → where."""
    named: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.fullmatch(node.value)
            ):
                named.setdefault(node.value, f"{path.relative_to(APP)}:{node.lineno}")
    return named


def test_style_3_every_code_used_is_in_the_catalogue() -> None:
    """STYLE §3: "Unit tests assert the code": a code with no text would fail at runtime."""
    named = _codes_named_in_app()
    missing = {code: where for code, where in named.items() if code not in MESSAGES}
    assert missing == {}
    # The scan saw the services' codes, the screens' and the CLI's own.
    assert {"E-CONTRACT-NOT-FOUND", "E-SORT", "E-FORM-REFUSED", "E-CHAIN-FORMAT"} <= named.keys()


def test_style_3_each_code_defined_once() -> None:
    """One code, one text: MESSAGES merges the tables, so a code in two tables would keep
    only the later text without anyone noticing."""
    tables = [
        value for name, value in vars(messages).items()
        if isinstance(value, dict) and name.isupper() and name != "MESSAGES"
    ]
    counts = Counter(code for table in tables for code in table)
    assert [code for code, n in counts.items() if n > 1] == []
    assert set(counts) == set(MESSAGES)
