"""What intake says: screening flags, the files handed in, notebooks, class downloads.

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- screening: flags for an instructor's look (they never change a score)
    "flag_grader": (
        "imports the grader itself ({what})",
        "导入了评分器本身（{what}）",
    ),
    "flag_test_machinery": (
        "imports test machinery ({what}): exercises never need it",
        "导入了测试框架（{what}）：练习从来不需要它",
    ),
    "flag_introspection": (
        "inspects the running program ({what}): can be used to look for expected values",
        "检查了正在运行的程序（{what}）：可被用来查找期望值",
    ),
    "flag_atexit": (
        "registers code to run at exit ({what})",
        "注册了在退出时运行的代码（{what}）",
    ),
    "flag_native": (
        "loads native code ({what})",
        "加载了原生代码（{what}）",
    ),
    "flag_processes": (
        "starts or signals processes ({what})",
        "启动了进程或向进程发送了信号（{what}）",
    ),
    "flag_network": (
        "uses the network ({what})",
        "使用了网络（{what}）",
    ),
    "flag_import_machinery": (
        "changes how modules are imported ({what})",
        "改变了模块的导入方式（{what}）",
    ),
    "flag_patching": (
        "changes shared library code at run time ({what})",
        "在运行时修改了共享的库代码（{what}）",
    ),
    "flag_exit": (
        "ends the process abruptly ({what})",
        "强行结束了进程（{what}）",
    ),
    "flag_guard": (
        "switches off PyTorch's function hooks ({what}), which the forbidden-call check uses",
        "关闭了 PyTorch 的函数钩子（{what}），而禁用调用检查依赖这些钩子",
    ),
    "flag_dynamic_code": (
        "runs code built at run time ({what})",
        "运行了在运行时构造的代码（{what}）",
    ),
    "flag_internals": (
        "reaches into the interpreter's internals ({what}): exercise code never needs them, "
        "and they lead to the grader's own machinery",
        "触及了解释器的内部结构（{what}）：练习代码从来不需要它们，而它们通向评分器自身的机制",
    ),
    "flag_private": (
        "uses PyTorch's private internals ({what}): they can switch off or get around the "
        "checks that run beside your code",
        "使用了 PyTorch 的私有内部接口（{what}）：借助它们可以关闭或绕过在你的代码旁运行的检查",
    ),
    "flag_private_module": (
        "uses a module's private internals ({what}): they can switch off or get around the "
        "checks that run beside your code",
        "使用了某个模块的私有内部接口（{what}）：借助它们可以关闭或绕过在你的代码旁运行的检查",
    ),
    "flag_private_attribute": (
        "reads a private attribute of an object it did not make ({what})",
        "读取了不是它创建的对象的私有属性（{what}）",
    ),
    "flag_dynamic_access": (
        "looks up attributes by a name computed at run time ({what}): write the attribute out "
        "(`obj.name`), so it is plain what your code uses",
        "按运行时算出的名字查找属性（{what}）：请把属性直接写出来（`obj.name`），让代码用到什么一目了然",
    ),
    "flag_descriptors": (
        "works with raw file descriptors ({what})",
        "直接操作了文件描述符（{what}）",
    ),
    "flag_star_import": (
        "imports everything from {what} (`import *`)",
        "从 {what} 导入了全部内容（`import *`）",
    ),
    # --- intake: what was wrong with the files handed in
    "intake_missing_module": (
        "{file} was not found in the submission.",
        "提交中没有找到 {file}。",
    ),
    "intake_ignored": (
        "Not part of the exercises, so not used: {files}",
        "不属于练习，因此没有使用：{files}",
    ),
    "intake_empty": (
        "The submission is empty: it holds no files.",
        "提交是空的：其中没有任何文件。",
    ),
    "intake_no_modules": (
        "No exercise module was found: expected files named {files} (at the top level or in an "
        "exercises/ folder).",
        "没有找到练习模块：文件名应为 {files}（位于顶层或 exercises/ 文件夹中）。",
    ),
    "intake_submission_link": (
        "The submission itself is a symbolic link.",
        "提交本身是一个符号链接。",
    ),
    "intake_not_a_submission": (
        "{name} is neither a folder, a .zip file nor a notebook (.ipynb).",
        "{name} 既不是文件夹，也不是 .zip 文件或 notebook（.ipynb）。",
    ),
    "intake_not_found": (
        "{name} does not exist.",
        "{name} 不存在。",
    ),
    "intake_too_many_files": (
        "More than {limit} files: the rest were not looked at.",
        "文件超过 {limit} 个：其余的没有查看。",
    ),
    "intake_symlink": (
        "{file} is a symbolic link: links are never followed.",
        "{file} 是符号链接：评分器从不跟随链接。",
    ),
    "intake_bad_zip": (
        "{name} is not a readable .zip file ({detail}).",
        "{name} 不是可读的 .zip 文件（{detail}）。",
    ),
    "intake_zip_entries": (
        "{name} holds {count} entries (at most {limit}).",
        "{name} 含有 {count} 个条目（最多 {limit} 个）。",
    ),
    "intake_unsafe_entry": (
        "Skipped zip entry {name!r}: {why}.",
        "跳过了 zip 条目 {name!r}：{why}。",
    ),
    "intake_why_absolute": (
        "an absolute path",
        "它是绝对路径",
    ),
    "intake_why_parent": (
        "a path that climbs out of the archive (..)",
        "它的路径会跳出压缩包（..）",
    ),
    "intake_why_link": (
        "a symbolic link",
        "它是符号链接",
    ),
    "intake_why_ratio": (
        "it would inflate to far more than an exercise module (a zip bomb)",
        "解压后会远大于一个练习模块（zip 炸弹）",
    ),
    "intake_zip_total": (
        "{name} would inflate to {mib} MiB (at most {limit} MiB).",
        "{name} 解压后会有 {mib} MiB（最多 {limit} MiB）。",
    ),
    "intake_unreadable": (
        "{file} could not be read ({detail}).",
        "无法读取 {file}（{detail}）。",
    ),
    "intake_too_large": (
        "{file} is larger than {limit_kib} KiB, so it was not graded.",
        "{file} 大于 {limit_kib} KiB，因此没有评分。",
    ),
    "intake_not_utf8": (
        "{file} is not UTF-8 text (byte {byte}); save it as UTF-8.",
        "{file} 不是 UTF-8 文本（字节偏移 {byte}）；请以 UTF-8 编码保存。",
    ),
    # --- intake: notebooks (grader/intake/notebook.py)
    "intake_notebook_used": (
        "{module} was made from the code cells of {file}.",
        "{module} 由 {file} 的代码单元生成。",
    ),
    "intake_notebook_left_out": (
        "{file}: {count} top-level statement(s) were left out, because only definitions (def, "
        "class), imports and constant assignments are graded, as a module would run them at "
        "import (code that runs, magics and shell lines are not): {where}.",
        "{file}：有 {count} 条顶层语句被略去，因为只有定义（def、class）、导入和常量赋值会被评分，和模块在导入时运行的内容一样（会执行的代码、"
        "魔法命令和 shell 行都不算）：{where}。",
    ),
    "intake_notebook_where": (
        "cell {cell} line {line} ({what})",
        "第 {cell} 个单元第 {line} 行（{what}）",
    ),
    "intake_notebook_more": (
        "; and {count} more",
        "；另有 {count} 处",
    ),
    "intake_notebook_syntax": (
        "{file}: a cell does not parse, so it was left out (a kernel runs none of it either): "
        "{where}.",
        "{file}：有一个单元无法解析，因此被略去（内核同样一句也不会运行）：{where}。",
    ),
    "intake_not_a_notebook": (
        "{file} could not be read as a notebook ({detail}).",
        "无法把 {file} 当作 notebook 读取（{detail}）。",
    ),
    # --- how a class download was read (intake/lms.py): the batch's log and the class summary
    "lms_rule_canvas": (
        "Canvas download: loose files <login>_<user id>_<submission id>_<file>, grouped by "
        "login and user id (a -N resubmission replaces the file)",
        "Canvas 下载：散放的文件 <login>_<user id>_<submission id>_<file>，"
        "按登录名和用户 id 分组（带 -N 的重新提交替换原文件）",
    ),
    "lms_rule_moodle": (
        "Moodle download: folders <name>_<id>_assignsubmission_<plugin>_, grouped by name and id",
        "Moodle 下载：文件夹 <name>_<id>_assignsubmission_<plugin>_，按姓名和 id 分组",
    ),
    "lms_rule_github": (
        "GitHub Classroom: one repository per learner, <assignment>-<username>",
        "GitHub Classroom：每名学员一个仓库，<assignment>-<username>",
    ),
    "lms_rule_folders": (
        "one folder or .zip per learner",
        "每名学员一个文件夹或 .zip",
    ),
    "lms_rule_github_prefix": (
        "{rule} (assignment prefix {prefix!r})",
        "{rule}（作业前缀 {prefix!r}）",
    ),
    "lms_no_canvas_prefix": (
        "{name}: no Canvas learner prefix in its name; left out",
        "{name}：名字中没有 Canvas 学员前缀；已略去",
    ),
    "lms_canvas_logins": (
        "Canvas user id {user} comes with {count} logins ({logins}): graded apart, check which "
        "is right",
        "Canvas 用户 id {user} 对应 {count} 个登录名（{logins}）：分开评分，请核实哪个正确",
    ),
    "lms_canvas_users": (
        "{login} names {count} Canvas users ({ids}): graded apart by user id",
        "{login} 对应 {count} 个 Canvas 用户（{ids}）：按用户 id 分开评分",
    ),
    "lms_not_moodle": (
        "{name}: not a Moodle submission folder; left out",
        "{name}：不是 Moodle 的提交文件夹；已略去",
    ),
    "lms_bad_zip": (
        "{name}: not a readable zip ({detail}); left out",
        "{name}：不是可读的 zip（{detail}）；已略去",
    ),
    "lms_zip_too_large": (
        "{name}: too many entries or too large to open; left out",
        "{name}：条目太多或体积太大，无法打开；已略去",
    ),
    "lms_unsafe_entry": (
        "{name}: unsafe entry {entry!r} left out",
        "{name}：略去了不安全的条目 {entry!r}",
    ),
    "lms_zip_depth": (
        "{name}: zips nested deeper than {depth}",
        "{name}：zip 嵌套超过 {depth} 层",
    ),
}
