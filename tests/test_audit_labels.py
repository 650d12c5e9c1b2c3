"""Every action written to the audit log has a label: the test reads every `audit_record(...)`
call in the source, so a new action cannot be added without naming it in core/audit_labels."""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.utils import translation

from shuangsuiji.core.audit_labels import FAMILIES, GROUPS, LABELS, action_label
from shuangsuiji.credit.models import RiskSource
from shuangsuiji.draws.models import DrawJob
from shuangsuiji.imports.choices import ImportKind
from shuangsuiji.inspections.choices import REVIEW_MOVES, ReviewState
from shuangsuiji.plans.choices import PlanStatus, TaskState

SOURCE = Path(__file__).resolve().parents[1] / "shuangsuiji"


def _calls(name: str) -> Iterator[tuple[Path, ast.Call, list[ast.AST]]]:
    """Each call of `name` in the source, with the chain of nodes enclosing it."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack: list[tuple[ast.AST, list[ast.AST]]] = [(tree, [])]
        while stack:
            node, parents = stack.pop()
            if isinstance(node, ast.Call) and getattr(
                    node.func, "id", getattr(node.func, "attr", None)) == name:
                yield path, node, parents
            stack.extend((child, [*parents, node]) for child in ast.iter_child_nodes(node))


def _actions(expr: ast.AST, parents: list[ast.AST], where: str) -> Iterator[str]:
    """The actions an `action=` expression can be: literals, both arms of a conditional, the
    literals a local name is given, an f-string's family expanded."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from _actions(expr.body, parents, where)
        yield from _actions(expr.orelse, parents, where)
    elif isinstance(expr, ast.Name):
        function = next(p for p in reversed(parents)
                        if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef))
        values = [node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)]
        assert values, f"{where}: action={expr.id} is never given a value"
        for value in values:
            yield from _actions(value, parents, where)
    elif isinstance(expr, ast.JoinedStr):
        pattern = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                          for part in expr.values)
        assert pattern in FAMILIES, (
            f"{where}: add the family {pattern!r} and its values to audit_labels.FAMILIES")
        yield from (pattern.format(value) for value in FAMILIES[pattern])
    else:
        raise AssertionError(f"{where}: write the action as a literal, not {ast.unparse(expr)}")


def _written_actions() -> dict[str, str]:
    found: dict[str, str] = {}
    for path, call, parents in _calls("audit_record"):
        if path.name == "audit.py" and path.parent.name == "core":
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        where = f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
        assert "action" in keywords, f"{where}: audit_record without action="
        for action in _actions(keywords["action"], parents, where):
            found.setdefault(action, where)
    return found


def test_the_source_is_read_whole():
    written = _written_actions()
    # The walk finds what the grep finds, and more (conditionals, local names, families).
    for action in ("target.create", "result.signature", "item.unpublish", "result.redact",
                   "credit.rule_update", "task.closed", "freeze.queue", "credit.risk_manual"):
        assert action in written, action
    assert len(written) > 70


def test_every_action_written_has_a_label():
    missing = {action: where for action, where in _written_actions().items()
               if action not in LABELS}
    assert not missing, f"add these to core/audit_labels.py: {missing}"


def test_every_label_is_in_chinese():
    with translation.override("zh-hans"):
        english = [action for action, label in LABELS.items()
                   if not any("\u4e00" <= ch <= "\u9fff" for ch in str(label))]
        groups = [str(g.label) for g in GROUPS
                  if not any("\u4e00" <= ch <= "\u9fff" for ch in str(g.label))]
    assert not english and not groups


def test_an_action_is_in_one_group_only():
    actions = [action for group in GROUPS for action, _label in group.actions]
    assert len(actions) == len(set(actions))


def test_an_unknown_action_is_shown_as_stored():
    assert action_label("legacy.something") == "legacy.something"
    assert action_label("") == ""
    with translation.override("zh-hans"):
        assert action_label("draw.execute") == "公开摇号"


def _members(path: str, function: str, *, keyword: str = "", position: int = -1,
             enum: type) -> set[str]:
    """The enum members a function is called with in one file (`to=TaskState.CLOSED`)."""
    values = set()
    for found, call, _parents in _calls(function):
        if found != SOURCE / path:
            continue
        arg = ({k.arg: k.value for k in call.keywords}.get(keyword) if keyword
               else call.args[position])
        assert isinstance(arg, ast.Attribute), ast.unparse(call)
        values.add(enum[arg.attr].value)
    assert values, f"no call of {function} in {path}"
    return values


def test_each_family_lists_every_value_it_can_take():
    assert set(FAMILIES["task.{}"]) == _members("plans/services.py", "_advance",
                                                keyword="to", enum=TaskState)
    assert set(FAMILIES["{}.queue"]) == _members("draws/jobs.py", "_queue", position=2,
                                                 enum=DrawJob.Kind)
    assert set(FAMILIES["plan.{}"]) == set(PlanStatus.values) - {PlanStatus.DRAFT}
    assert set(FAMILIES["result.{}"]) == {ReviewState(to).value
                                          for moves in REVIEW_MOVES.values() for to in moves}
    assert set(FAMILIES["import.{}"]) == set(ImportKind.values)
    assert set(FAMILIES["credit.risk_{}"]) == set(RiskSource.values)
