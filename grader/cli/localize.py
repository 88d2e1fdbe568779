"""The commands in the learner's language: `--lang`, the help texts, and click's own words.

The language is settled before click parses anything (`--lang` anywhere on the command line
wins over GRADER_LANG and the locale), so `grader check --help --lang zh` is in Chinese too,
and it is put in GRADER_LANG, so judges and workers started later speak it as well.

Help texts stay written in English where click declares them; the catalog holds both
languages (grader/catalog/helptext.py) under `help_<command>`, `short_<command>`,
`help_<command>_<option>` or `help_opt_<option>` (an option shared by several commands), and
its Chinese replaces the English in place while the language is zh (tests/test_i18n.py checks
that the catalog's English is click's, so the two cannot drift apart). click's own words ("Usage:", "Options", its error lines) come
from CLICK_ZH: click looks them up with gettext, which has no Chinese catalog of click.
"""

from __future__ import annotations

import gettext
import inspect
import os
from collections.abc import Sequence

import click

from grader.messages import LANGUAGES, MESSAGES, language

LANG_OPTION = "--lang"

# click's message ids (English) -> Chinese: its help headings, its error lines.
CLICK_ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Missing command.": "缺少命令。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的 {number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "Did you mean {possibility}?": "你是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（你是不是要用以下之一：{possibilities}？）",
    "Aborted!": "已中止！",
}

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")


def lang_in(args: Sequence[str]) -> str | None:
    """The language `--lang X` or `--lang=X` names on a command line (the last one), if any.
    Nothing after `--` counts: that is an argument, not an option."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == LANG_OPTION and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(LANG_OPTION + "="):
            found = arg.split("=", 1)[1]
    return found if found in LANGUAGES else None


def use_language(lang: str | None) -> None:
    """Make `lang` the run's language, for this process and every process it starts."""
    if lang:
        os.environ["GRADER_LANG"] = lang


def localize(group: click.Group) -> None:
    """Put the group's and its commands' help in the run's language (English back for en)."""
    install_click_words()
    zh = language() == "zh"
    commands: dict[str, click.Command] = {"main": group, **group.commands}
    for name, command in commands.items():
        _swap(command, "help", f"help_{name}", zh)
        _swap(command, "short_help", f"short_{name}", zh)
        command._help_option = None  # click makes it again, with its help in this language
        for param in command.params:
            if isinstance(param, click.Option):
                key = help_key(name, param)
                _swap(param, "help", key or "", zh)


def help_key(command: str, option: click.Option) -> str | None:
    """The catalog key of an option's help: its own for this command, else the shared one."""
    for key in (f"help_{command}_{option.name}", f"help_opt_{option.name}"):
        if key in MESSAGES:
            return key
    return None


def _swap(thing: object, attribute: str, key: str, zh: bool) -> None:
    originals = thing.__dict__.setdefault("_grader_english", {})
    english = originals.setdefault(attribute, getattr(thing, attribute))
    if not english:
        return
    # Only a catalog entry whose English is this very text: a help changed without its
    # catalog entry stays English rather than showing a translation of something else.
    if key in MESSAGES and MESSAGES[key][0] == inspect.cleandoc(english):
        chinese = MESSAGES[key][1]
    else:
        chinese = CLICK_ZH.get(english)
    setattr(thing, attribute, chinese if zh and chinese else english)


def _gettext(message: str) -> str:
    if language() == "zh":
        return CLICK_ZH.get(message, message)
    return gettext.gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    if language() == "zh":
        text = singular if count == 1 else plural
        return CLICK_ZH.get(text, text)
    return gettext.ngettext(singular, plural, count)


def install_click_words() -> None:
    """Route click's gettext lookups through CLICK_ZH while the language is zh (click binds
    `gettext` as `_` in each of its modules; English goes to gettext as before)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
