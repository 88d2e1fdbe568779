"""What the commands print, and their errors (ClickException messages).

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- the commands' own output and errors (cli/, batch.py, render/roster.py, autograder.py)
    "list_exercise": (
        "exercise",
        "练习",
    ),
    "list_public": (
        "public",
        "公开",
    ),
    "list_hidden": (
        "hidden",
        "隐藏",
    ),
    "list_title": (
        "title",
        "标题",
    ),
    "check_target_kind": (
        "a folder or a notebook (.ipynb)",
        "应为文件夹或 notebook（.ipynb）",
    ),
    "grade_wrote": (
        "Wrote {results}, report.html and gradescope.json in {out}",
        "已写出 {results}，以及 {out} 中的 report.html 和 gradescope.json",
    ),
    "batch_read_as": (
        "Read as: {rule}; {count} learner(s)",
        "读取方式：{rule}；共 {count} 名学员",
    ),
    "batch_done": (
        "{count} submission(s): {graded} graded, {earlier} of them from an earlier run; class "
        "files in {out}",
        "{count} 份提交：{graded} 份已评分，其中 {earlier} 份来自之前的运行；全班文件在 {out}",
    ),
    "batch_not_graded": (
        "Not graded: {names} (see their reports)",
        "未评分：{names}（见各自的报告）",
    ),
    "merge_done": (
        "Merged {count} submission(s) from {folders} folder(s) into {out}: grades.csv, "
        "summary.html ({count} rows)",
        "已把 {folders} 个文件夹中的 {count} 份提交合并到 {out}：grades.csv、summary.html（{count} 行）",
    ),
    "report_not_results": (
        "{path} is not a results file of this grader (or of this schema version)",
        "{path} 不是本评分器的结果文件（或不是这一版格式的）",
    ),
    "verify_no_solutions": (
        "this course has no solutions/ folder to verify against",
        "本课程没有可用来验证的 solutions/ 文件夹",
    ),
    "verify_broken": (
        "{count} check(s) break the rule: solutions 100 %, stubs 0",
        "{count} 个检查项违反了规则：参考答案应得 100 %，未改动的练习应得 0 分",
    ),
    "gradescope_wrote": (
        "Wrote {out} ({count} files, {suites} suite files): upload it as the assignment's "
        "autograder. Hidden checks' visibility: {visibility}.",
        "已写出 {out}（{count} 个文件，其中 {suites} 个检查套件文件）：把它作为作业的自动评分程序上传。隐藏检查项的可见性：{visibility}。",
    ),
    "shard_format": (
        "--shard must look like K/N with 1 <= K <= N, got {text!r}",
        "--shard 的格式应为 K/N（1 <= K <= N），实际为 {text!r}",
    ),
    "batch_not_submissions": (
        "{folder} is not a folder of submissions (or a .zip of them)",
        "{folder} 不是存放提交的文件夹（也不是它们的 .zip）",
    ),
    "batch_not_output": (
        "{folder} is not a batch output folder",
        "{folder} 不是批量评分的输出文件夹",
    ),
    "merge_twice": (
        "{folder} is given twice: merge each shard once",
        "{folder} 给了两次：每个分片只合并一次",
    ),
    "merge_no_results": (
        "{folder} holds no results of a batch (no {pattern})",
        "{folder} 中没有批量评分的结果（没有 {pattern}）",
    ),
    "merge_duplicate": (
        "{folder} is in both {first} and {second}: merge each shard once (or pass "
        "--allow-duplicates to keep the last one)",
        "{folder} 同时出现在 {first} 和 {second} 中：每个分片只合并一次（或加上 --allow-duplicates，保留最后一个）",
    ),
    "roster_unreadable": (
        "{path}: cannot read the roster ({detail})",
        "{path}：无法读取名单（{detail}）",
    ),
    "roster_empty": (
        "{path}: the roster is empty (a CSV with a header row is expected)",
        "{path}：名单是空的（应为带表头行的 CSV）",
    ),
    "roster_no_id": (
        "{path}: no id, email or login column (found: {columns})",
        "{path}：没有学号、邮箱或登录名列（找到的列：{columns}）",
    ),
    "package_visibility": (
        "hidden visibility must be one of {choices}",
        "隐藏检查项的可见性必须是以下之一：{choices}",
    ),
    "package_not_zip": (
        "{out} must be a .zip file (Gradescope takes the package as one)",
        "{out} 必须是 .zip 文件（Gradescope 只接受这种包）",
    ),
    "package_missing": (
        "{path} is missing: the package installs the grader with it",
        "缺少 {path}：包要用它来安装评分器",
    ),
    "package_solutions": (
        "a file of solutions/ would be packaged",
        "solutions/ 中有文件会被打进包里（绝不允许）",
    ),
    "check_failed": (
        "the check failed",
        "检查项未通过",
    ),
    "golden_missing": (
        "no recorded value for {name}() with these inputs",
        "没有记录 {name}() 在这些输入下的值",
    ),
    "checked_repr": (
        "<grader check of {submission}: {earned:g}/{possible:g} points, {open} check(s) not passed>",
        "<grader check：{submission}，{earned:g}/{possible:g} 分，{open} 个检查项未通过>",
    ),
    "nothing_to_grade": (
        "nothing to grade",
        "没有可评分的内容",
    ),
    "notebook_not_json": (
        "not JSON: {detail}",
        "不是 JSON：{detail}",
    ),
    "notebook_no_cells": (
        "no list of cells (nbformat 4 is read)",
        "没有单元列表（评分器读取 nbformat 4）",
    ),
    "notebook_old_format": (
        "not nbformat 4 (save it with a current Jupyter)",
        "不是 nbformat 4（请用新版 Jupyter 保存）",
    ),
}
