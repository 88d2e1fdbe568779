"""The Chinese learner kit (`grader release --lang zh`): titles in both languages, starter
notebooks, the kit's language, the glossary and README, and the whole kit end to end."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import EXERCISES, ROOT, copy_course, run_grader
from kit_fixture import BOTH

from grader.course import Exercise, load_course
from grader.kit_language import kit_language, read_kit_language, write_kit_language
from grader.kit_stubs import kit_stub
from grader.messages import docstring_parts
from grader.release import ReleaseError, release
from grader.starters import starter

# Set to True once exercises 01-10 carry their `zh:` parts (issue 16): then every stub must
# be translated whole. Until then, a stub that has begun must be finished.
ALL_TRANSLATED = True
ZH_LINE = re.compile(r"^\s*zh:\s*$", re.M)
TEMPLATES = ROOT / "templates" / "kit"
# The course's terms (issue 16): English, and the Chinese the whole kit uses for it.
TERMS = {
    "tensor": "张量",
    "shape": "形状",
    "dtype": "数据类型",
    "device": "设备",
    "broadcasting": "广播",
    "computation graph": "计算图",
    "autograd": "自动求导",
    "gradient accumulation": "梯度累加",
    "backpropagation": "反向传播",
    "optimizer": "优化器",
    "loss function": "损失函数",
    "gradient": "梯度",
    "parameter": "参数",
    "model": "模型",
    "batch": "批次",
    "train / validation": "训练 / 验证",
    "accuracy": "准确率",
    "learning rate": "学习率",
    "momentum": "动量",
    "element": "元素",
    "dimension": "维度",
    "in-place change": "就地修改",
    "check": "检查项",
    "points": "分",
}


def fixture_course(tmp_path: Path, stub: str) -> Path:
    """A course of one exercise, ex01_tensors, whose stub is `stub` (no checks)."""
    (tmp_path / "suites" / "ex01_tensors").mkdir(parents=True)
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex01_tensors.py").write_text(stub, encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------- the course: every stub


def test_the_course_stubs_have_every_docstring_in_chinese():
    """What `grader release --lang zh` would keep in English, by stub (it warns; this fails)."""
    missing = {}
    for path in sorted(EXERCISES.glob("ex*.py")):
        source = path.read_text(encoding="utf-8")
        if not ALL_TRANSLATED and not ZH_LINE.search(source):
            continue  # not begun yet (issue 16): see ALL_TRANSLATED
        left = kit_stub(source, "zh").untranslated
        if left:
            missing[path.name] = [item.where(f"exercises/{path.name}") for item in left]
    assert not missing, "docstrings with no `zh:` part:\n" + "\n".join(
        line for lines in missing.values() for line in lines
    )


# ---------------------------------------------------------------- titles in both languages


def test_an_exercise_title_follows_the_learners_language(tmp_path, monkeypatch):
    course = load_course(fixture_course(tmp_path, BOTH))
    exercise = course.exercises[0]
    assert exercise.title_en == "creating tensors; shape, dtype, device"
    assert exercise.title_zh == "创建张量；形状、数据类型、设备"
    monkeypatch.setenv("GRADER_LANG", "zh")
    assert exercise.title == exercise.title_zh
    monkeypatch.setenv("GRADER_LANG", "en")
    assert exercise.title == exercise.title_en
    assert exercise.title_in("zh") == exercise.title_zh


def test_a_kit_keeps_titles_in_both_languages_and_reads_an_older_kits(tmp_path, monkeypatch):
    root = fixture_course(tmp_path, "")  # a learner's file: titles come from titles.json
    titles = root / "suites" / "titles.json"
    titles.write_text(json.dumps({"ex01_tensors": {"en": "tensors", "zh": "张量"}}))
    exercise = load_course(root).exercises[0]
    assert (exercise.title_in("en"), exercise.title_in("zh")) == ("tensors", "张量")
    titles.write_text(json.dumps({"ex01_tensors": "tensors"}))  # a kit released before
    exercise = load_course(root).exercises[0]
    assert (exercise.title_en, exercise.title_zh, exercise.title_in("zh")) == (
        "tensors",
        None,
        "tensors",
    )
    monkeypatch.setenv("GRADER_LANG", "zh")
    assert load_course(ROOT).exercise("01").title  # no Chinese yet: the English one


# ---------------------------------------------------------------- starter notebooks


def test_a_zh_starter_notebook_has_the_chinese_docstrings_and_the_same_code():
    exercise = Exercise("ex01_tensors", "01", "tensors", "tensors", Path("."), "张量")
    english = starter(exercise, BOTH)
    chinese = starter(exercise, BOTH, lang="zh")
    for made in (english, chinese):
        nbformat.validate(nbformat.reads(json.dumps(made), as_version=4))
    markdown = "\n".join(c["source"] for c in chinese["cells"] if c["cell_type"] == "markdown")
    assert markdown.startswith("# 01 张量：创建张量；形状、数据类型、设备。")
    assert "把张量描述成一个 dict，恰好包含这些键：" in markdown and "## 类 `Exp`" in markdown
    assert "zh:" not in markdown and "Describe a tensor" not in markdown
    assert "Compute exp(x)" not in markdown  # a method's docstring is not a cell of its own
    assert not ZH_LINE.search(
        "\n".join(c["source"] for c in english["cells"] if c["cell_type"] == "markdown")
    )
    en_code, zh_code = (
        [c["source"] for c in made["cells"] if c["cell_type"] == "code"]
        for made in (english, chinese)
    )
    setup = zh_code[0].replace("# 你的工具包副本的地址", "# your copy of the kit")
    setup = setup.replace("# Colab、Kaggle：还没有安装", "# Colab, Kaggle: not installed yet")
    assert setup == en_code[0] != zh_code[0]  # the setup cell: only its comments are Chinese

    def strings_blanked(cell: str) -> str:
        return re.sub(r'"[^"\n]*"', '""', cell)

    # The same code; only the "not written yet" messages are Chinese.
    assert [strings_blanked(c) for c in zh_code[1:]] == [strings_blanked(c) for c in en_code[1:]]
    assert "请实现这个函数" in "\n".join(zh_code) and "请实现" not in "\n".join(en_code)


# ---------------------------------------------------------------- the kit's language


def test_a_kit_records_its_language_in_its_grader_package(tmp_path):
    assert read_kit_language(tmp_path) is None
    write_kit_language(tmp_path, "zh")
    assert read_kit_language(tmp_path) == "zh"
    (tmp_path / "kit.json").write_text('{"language": "fr"}')
    assert read_kit_language(tmp_path) is None
    (tmp_path / "kit.json").write_text("{not json")
    assert read_kit_language(tmp_path) is None
    with pytest.raises(ValueError):
        write_kit_language(tmp_path, "fr")
    assert kit_language() is None  # the course itself is no kit


def test_release_refuses_a_language_it_has_no_kit_for(tmp_path):
    course = load_course(ROOT)
    with pytest.raises(ReleaseError, match="no kit language 'fr'"):
        release(course, tmp_path / "kit", [], lang="fr")
    assert not (tmp_path / "kit").exists()


# ---------------------------------------------------------------- README and glossary


def test_the_glossary_has_every_term_of_the_course():
    glossary = (TEMPLATES / "GLOSSARY.zh.md").read_text(encoding="utf-8")
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in glossary.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ]
    assert all(len(row) == 3 and all(row) for row in rows)  # term, term, one-line meaning
    found = {row[0]: row[1] for row in rows}
    for english, chinese in TERMS.items():
        assert found.get(english) == chinese, english


def test_the_zh_readme_links_the_glossary_and_says_how_to_choose_the_language():
    readme = (TEMPLATES / "README.zh.md.j2").read_text(encoding="utf-8")
    assert "]({{ glossary }})" in readme
    assert "`GRADER_LANG=en`" in readme and "`--lang`" in readme
    english = (TEMPLATES / "README.md.j2").read_text(encoding="utf-8")
    commands = re.compile(r"`(grader [^`]*)`")
    assert set(commands.findall(english)) <= set(commands.findall(readme))


# ---------------------------------------------------------------- the kit, end to end


def with_chinese(source: str, names: dict[str, list[str]]) -> str:
    """`source` with a `zh:` block added to the docstrings named ("" is the module's): the
    Chinese lines given, then the English docstring's examples, as an author writes them."""
    tree = ast.parse(source)
    nodes = {"": tree, **{n.name: n for n in tree.body if hasattr(n, "name")}}
    lines = source.splitlines(keepends=True)
    for name in sorted(names, key=lambda n: -nodes[n].body[0].end_lineno):
        literal = nodes[name].body[0]
        indent = " " * literal.col_offset
        doc = ast.get_docstring(nodes[name])
        examples = doc[doc.index(">>>") :].splitlines() if ">>>" in doc else []
        block = ["", "zh:", *names[name], *(["", *examples] if examples else [])]
        closing = literal.end_lineno - 1  # the closing quotes' own line
        assert lines[closing].strip() == '"""', name
        lines[closing:closing] = [f"{indent}{row}".rstrip() + "\n" for row in block]
    return "".join(lines)


CHINESE = {
    "": ["01 张量：创建张量；形状、数据类型、设备。", "", "这里的每个函数都创建或查看张量。"],
    "describe": [
        "把张量描述成一个 dict，恰好包含这些键：shape、dtype、device、numel、requires_grad。"
    ],
}


@pytest.fixture(scope="module")
def kits(tmp_path_factory):
    """A course whose exercise 01 has Chinese for two docstrings, released in both languages."""
    tmp = tmp_path_factory.mktemp("zh")
    course = copy_course(tmp / "course", share_recorded_values=True)  # (only a stub differs)
    stub = course / "exercises" / "ex01_tensors.py"
    english = kit_stub(stub.read_text(encoding="utf-8"), "en").source  # today's stub
    stub.write_text(with_chinese(english, CHINESE), encoding="utf-8")
    made = {}
    for lang in ("en", "zh"):
        out = tmp / f"kit-{lang}"
        done = run_grader("--course", str(course), "release", "--out", str(out), "--lang", lang)
        assert done.returncode == 0, done.stdout + done.stderr
        made[lang] = (out, done)
    return english, made


@pytest.mark.slow
def test_the_english_kit_is_todays_with_every_zh_block_removed(kits):
    english, made = kits
    kit, done = made["en"]
    assert "none copied" in done.stdout and "Warning" not in done.stderr
    assert (kit / "exercises" / "ex01_tensors.py").read_text(encoding="utf-8") == english
    for path in (kit / "exercises").glob("*.py"):
        assert not ZH_LINE.search(path.read_text(encoding="utf-8")), path
    assert not (kit / "grader" / "kit.json").exists() and not (kit / "GLOSSARY.md").exists()
    titles = json.loads((kit / "suites" / "titles.json").read_text(encoding="utf-8"))
    assert titles["ex01_tensors"] == {
        "en": "creating tensors; shape, dtype, device",
        "zh": "创建张量；形状、数据类型、设备",
    }
    notebook = (kit / "notebooks" / "ex01_tensors.ipynb").read_text(encoding="utf-8")
    assert "zh:" not in notebook and "\\u5f20" not in notebook  # no Chinese (张) in it


@pytest.mark.slow
def test_the_chinese_kit(kits):
    english, made = kits
    kit, done = made["zh"]
    assert "none copied" in done.stdout
    # What has no Chinese yet is listed for the author, and the release still succeeds.
    assert "Warning:" in done.stderr and "exercises/ex01_tensors.py:" in done.stderr
    assert re.search(r"exercises/ex01_tensors\.py:\d+ one_hot\n", done.stderr)
    assert not re.search(r"ex01_tensors\.py:\d+ describe\n", done.stderr)
    assert json.loads((kit / "grader" / "kit.json").read_text()) == {"language": "zh"}
    stub = (kit / "exercises" / "ex01_tensors.py").read_text(encoding="utf-8")
    assert stub.startswith('"""01 张量：创建张量；形状、数据类型、设备。\n\n这里的每个函数')
    describe = next(n for n in ast.parse(stub).body if getattr(n, "name", "") == "describe")
    doc = ast.get_docstring(describe)
    assert doc.startswith("把张量描述成一个 dict") and "zh:" not in stub
    node = next(n for n in ast.parse(english).body if getattr(n, "name", "") == "describe")
    english_doc = docstring_parts(ast.get_docstring(node) or "")[0]
    assert doc[doc.index(">>>") :] == english_doc[english_doc.index(">>>") :]
    assert 'raise NotImplementedError("describe：请实现这个函数（说明见其文档字符串）")' in stub
    readme = (kit / "README.md").read_text(encoding="utf-8")
    assert "[术语表](GLOSSARY.md)" in readme and "创建张量；形状、数据类型、设备" in readme
    assert "张量" in (kit / "GLOSSARY.md").read_text(encoding="utf-8")
    notebook = json.loads((kit / "notebooks" / "ex01_tensors.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join(c["source"] for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert "把张量描述成一个 dict" in markdown and "## 准备" in markdown


def learner_env() -> dict[str, str]:
    """A learner's shell with no language setting at all."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GRADER_COURSE", "GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")
    }
    env["LANG"] = "C.UTF-8"
    return env


@pytest.mark.slow
def test_the_chinese_kits_stubs_import_and_say_in_chinese_they_are_not_written(kits):
    kit = kits[1]["zh"][0]
    program = (
        "import importlib.util, inspect, pathlib, sys\n"
        "said = []\n"
        "for path in sorted(pathlib.Path('exercises').glob('ex*.py')):\n"
        "    spec = importlib.util.spec_from_file_location(path.stem, path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules[path.stem] = module\n"
        "    spec.loader.exec_module(module)\n"
        "import ex01_tensors\n"
        "try:\n"
        "    ex01_tensors.describe(None)\n"
        "except NotImplementedError as exc:\n"
        "    print(exc)\n"
        "print(inspect.getdoc(ex01_tensors.describe).splitlines()[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=300,
        env=learner_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "describe：请实现这个函数（说明见其文档字符串）"
    assert done.stdout.splitlines()[1].startswith("把张量描述成一个 dict")


@pytest.mark.slow
def test_grader_check_in_the_chinese_kit_says_the_stub_is_not_written_yet(kits):
    """`grader check 01` on the zh kit's untouched stubs, in a shell with no language setting:
    the kit's grader says each function is not written yet, in the language it chooses there
    (the kit's: Chinese, once grader.messages has Chinese and language() reads the kit's)."""
    kit = kits[1]["zh"][0]
    env = learner_env()
    template = subprocess.run(
        [
            sys.executable,
            "-c",
            "from grader.messages import say; "
            "print(say('call_not_implemented', function='\\x00', file='\\x01'))",
        ],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert template.returncode == 0, template.stderr
    pieces = [p.strip() for p in re.split(r"[\x00\x01]", template.stdout.strip()) if p.strip()]
    assert pieces
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", "01"],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    said = " ".join(done.stdout.split())  # however the terminal wraps it
    for piece in pieces:
        assert " ".join(piece.split()) in said, piece
    assert "describe" in done.stdout
