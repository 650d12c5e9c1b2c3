"""docs/architecture.md stays true: its data model names every model, its paths exist."""

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end > 0 else None]


def test_the_data_model_names_every_model_of_the_platform():
    listed = set(re.findall(r"\b[A-Z][A-Za-z]+\b", section("The data model")))
    models = {m.__name__ for m in apps.get_models() if m.__module__.startswith("shuangsuiji.")}
    assert models - listed == set()


def test_every_module_the_map_names_exists():
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|c|js|md))`", DOC))
    assert named, "the map names its modules in backquotes"
    missing = [path for path in sorted(named)
               if not any((ROOT / base / path).exists()
                          for base in ("shuangsuiji", ".", "docs", "shuangsuiji/rules"))]
    assert missing == []
