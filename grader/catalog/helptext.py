"""The commands' help, by command and option (looked up by grader/cli/localize.py).

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- the commands' help (grader --help, grader check --help, ...): help_<command>,
    # short_<command>, help_<command>_<option> or help_opt_<option> (cli/localize.py)
    "help_main": (
        "Check PyTorch exercises against real PyTorch, and grade submissions.",
        "对照真实的 PyTorch 检查 PyTorch 练习，并为提交评分。",
    ),
    "help_opt_course_dir": (
        "The course folder (default: found from the current folder).",
        "课程文件夹（默认：从当前文件夹向上查找）。",
    ),
    "help_opt_lang": (
        "The language of what the grader says: zh or en (default: GRADER_LANG, then a "
        "Chinese kit's own language, then the locale, e.g. LANG=zh_CN.UTF-8).",
        "评分器输出所用的语言：zh 或 en（默认依次取 GRADER_LANG、中文套件自身的语言和系统区域设置，"
        "例如 LANG=zh_CN.UTF-8）。",
    ),
    "short_list": (
        "List the exercises and their points.",
        "列出各练习及其分数。",
    ),
    "help_list": (
        "List the exercises, their titles and points.",
        "列出各练习的标题和分数。",
    ),
    "short_check": (
        "Check your exercises (all, or the ones named).",
        "检查你的练习（全部，或指定的几个）。",
    ),
    "help_check": (
        "Check your exercises (all, or the ones named, e.g. `grader check 01 02`), or one\n"
        "function of one (`grader check 01::one_hot`, or `grader check 01 -k one_hot`).",
        "检查你的练习（全部，或指定的几个，例如 `grader check 01 02`），或者某个练习中的一个函数（`grader check 01::one_hot`，"
        "或 `grader check 01 -k one_hot`）。",
    ),
    "help_check_functions": (
        "Only the checks of this function (repeatable); also written `grader check 01::one_hot`.",
        "只运行这个函数的检查项（可重复给出）；也可以写成 `grader check 01::one_hot`。",
    ),
    "help_check_target": (
        "Folder of your exercise modules, or a notebook (.ipynb) that defines an exercise's "
        "functions (default: the course's exercises/).",
        "存放你的练习模块的文件夹，或定义了某个练习的函数的 notebook（.ipynb）（默认：课程的 exercises/）。",
    ),
    "help_check_html_path": (
        "Where to write the HTML report (default: .grader/report.html).",
        "HTML 报告的写入位置（默认：.grader/report.html）。",
    ),
    "help_check_json_path": (
        "Also write the result as JSON there (what `grader report` reads).",
        "同时把结果以 JSON 写到这里（供 `grader report` 读取）。",
    ),
    "help_check_device": (
        "Which device cases to run; cuda cases are skipped where there is no GPU.",
        "运行哪些设备用例；没有 GPU 时跳过 cuda 用例。",
    ),
    "help_check_hidden": (
        "Also run hidden checks (instructors, in the full course).",
        "同时运行隐藏检查项（供教师在完整课程中使用）。",
    ),
    "help_check_verbose": (
        "List passing and skipped checks too.",
        "也列出通过和跳过的检查项。",
    ),
    "help_check_written_only": (
        "Succeed when every function you have written passes (for CI while you work through "
        "the course): functions not written yet do not fail the run.",
        "只要你已写好的函数全部通过就算成功（适合在学习课程期间用于 CI）：尚未编写的函数不会让运行失败。",
    ),
    "help_check_summary_path": (
        "Also append a Markdown progress table to this file (in GitHub Actions: "
        "$GITHUB_STEP_SUMMARY).",
        "同时把一张 Markdown 进度表追加到这个文件（在 GitHub Actions 中：$GITHUB_STEP_SUMMARY）。",
    ),
    "help_opt_call_timeout": (
        "Seconds one call of learner code may take.",
        "学员代码的一次调用最多可用的秒数。",
    ),
    "short_grade": (
        "Grade one submission (a folder or a .zip).",
        "为一份提交评分（文件夹或 .zip）。",
    ),
    "help_grade": (
        "Grade one submission (a folder or a .zip): writes results.json, report.html and\n"
        "gradescope.json.",
        "为一份提交评分（文件夹或 .zip）：写出 results.json、report.html 和 gradescope.json。",
    ),
    "help_grade_out_dir": (
        "Folder for results.json, report.html and gradescope.json.",
        "存放 results.json、report.html 和 gradescope.json 的文件夹。",
    ),
    "help_opt_exercises": (
        "Grade only these exercises.",
        "只为这些练习评分。",
    ),
    "help_opt_reveal_hidden": (
        "Show hidden checks' messages in the reports.",
        "在报告中显示隐藏检查项的消息。",
    ),
    "help_opt_time_limit": (
        "Seconds for all of one submission's checks.",
        "一份提交的全部检查项可用的总秒数。",
    ),
    "help_opt_hidden_seed": (
        "The secret hidden checks mix into their inputs, as recorded in an earlier "
        "results.json (hidden_seed): grades again with the same inputs. Default: a new secret.",
        "隐藏检查项混入输入的秘密种子，取之前某个 results.json 中记录的值（hidden_seed）：用相同的输入重新评分。默认：新生成一个。",
    ),
    "help_grade_keep_runs": (
        "Keep each run's folder (judge log, raw pytest-json-report) here, for debugging.",
        "把每次运行的文件夹（judge 日志、原始 pytest-json-report）保留在这里，便于调试。",
    ),
    "short_batch": (
        "Grade a folder of submissions, in parallel.",
        "并行为一个文件夹中的所有提交评分。",
    ),
    "help_batch": (
        "Grade every learner's submission in SUBMISSIONS_DIR (a folder, or a class download\n"
        ".zip), in parallel: a folder or .zip per learner, or an LMS download as it comes\n"
        "(Canvas's loose files, Moodle's folders, GitHub Classroom's repositories).",
        "并行为 SUBMISSIONS_DIR（一个文件夹，或全班下载的 .zip）中每名学员的提交评分：每名学员一个文件夹或 .zip，"
        "或者原样的 LMS 下载内容（Canvas 的散放文件、Moodle 的文件夹、GitHub Classroom 的仓库）。",
    ),
    "help_batch_out_dir": (
        "Folder for per-submission results and the class files.",
        "存放每份提交的结果和全班文件的文件夹。",
    ),
    "help_batch_jobs": (
        "Submissions graded at once.",
        "同时评分的提交数。",
    ),
    "help_batch_shard": (
        "Grade only shard K of N (e.g. 2/4); combine shards with `grader merge`.",
        "只为 N 个分片中的第 K 个评分（例如 2/4）；用 `grader merge` 合并各分片。",
    ),
    "help_batch_force": (
        "Grade again even what was already graded with the same checks.",
        "即使已经用相同的检查项评过分，也重新评分。",
    ),
    "help_opt_roster": (
        "A CSV of the class (id, email, name, login columns; Canvas's gradebook export works "
        "as it is): grades.csv says who each submission is, and LMS imports are written.",
        "全班名单 CSV（含 id、email、name、login 列；Canvas 导出的成绩册可直接使用）：grades.csv 会注明每份提交属于谁，"
        "并写出 LMS 导入文件。",
    ),
    "short_merge": (
        "Join sharded batch outputs into one class.",
        "把分片的批量评分输出合并为一个班级。",
    ),
    "help_merge": (
        "Combine the output folders of `grader batch --shard` runs into one class summary and\n"
        "gradebook.",
        "把多次 `grader batch --shard` 运行的输出文件夹合并为一份全班汇总和成绩册。",
    ),
    "help_merge_out_dir": (
        "Folder for the merged class (may be one of the shard folders).",
        "存放合并后班级的文件夹（可以是某个分片的文件夹）。",
    ),
    "help_merge_allow_duplicates": (
        "Accept a submission found in two inputs (the last one wins) instead of refusing.",
        "接受出现在两个输入中的同一份提交（以最后一个为准），而不是拒绝。",
    ),
    "short_report": (
        "Re-render a results.json (no grading).",
        "重新渲染 results.json（不评分）。",
    ),
    "help_report": (
        "Re-render a results.json (no grading is run).",
        "重新渲染 results.json（不运行评分）。",
    ),
    "help_report_fmt": (
        "html: the learner's report; csv: a one-row gradebook; gradescope: Gradescope's "
        "results.json; json: the result itself; text: what the terminal shows.",
        "html：学员的报告；csv：只有一行的成绩册；gradescope：Gradescope 的 results.json；json：结果本身；text：终端上显示的内容。",
    ),
    "help_report_out_path": (
        "Where to write (default: standard output).",
        "写入位置（默认：标准输出）。",
    ),
    "help_opt_hidden_visibility": (
        "Gradescope: when learners see hidden checks' entries (public checks are always "
        "visible; the overall output never names a hidden check).",
        "Gradescope：学员何时能看到隐藏检查项的条目（公开检查项始终可见；总体输出从不提及隐藏检查项的名字）。",
    ),
    "short_doctor": (
        "Show the sandbox protections on this machine.",
        "显示本机的沙箱保护措施。",
    ),
    "help_doctor": (
        "Show the sandbox protections workers get on this machine, and what a worker looks like.",
        "显示本机上 worker 进程得到的沙箱保护措施，以及 worker 的状况。",
    ),
    "short_release": (
        "Cut the learner kit (no solutions, no hidden checks).",
        "生成学员套件（不含参考答案和隐藏检查项）。",
    ),
    "help_release": (
        "Cut the learner kit: stubs, public checks, the grader; no solutions, no hidden checks.",
        "生成学员套件：练习初始代码、公开检查项和评分器；不含参考答案和隐藏检查项。",
    ),
    "help_release_out_dir": (
        "Folder for the learner kit (outside the course folder).",
        "存放学员套件的文件夹（须在课程文件夹之外）。",
    ),
    "help_release_force": (
        "Replace what the folder holds.",
        "替换该文件夹中已有的内容。",
    ),
    "help_release_lang": (
        "The kit's language: its stubs' docstrings, notebooks and README.",
        "套件的语言：练习初始代码的文档字符串、notebook 和 README 所用的语言。",
    ),
    "short_verify": (
        "Prove the suites: solutions 100 %, stubs 0.",
        "验证检查套件：参考答案 100 %，练习初始代码 0 分。",
    ),
    "help_verify": (
        "Prove the suites: solutions/ must score 100 %, the untouched exercises/ stubs 0.",
        "验证检查套件：solutions/ 必须得 100 %，未改动的 exercises/ 初始代码必须得 0 分。",
    ),
    "short_gradescope": (
        "Make a Gradescope autograder package (a .zip to upload).",
        "生成 Gradescope 自动评分包（一个待上传的 .zip）。",
    ),
    "help_gradescope": (
        "Write a Gradescope autograder package: setup.sh (CPU PyTorch, the grader and this\n"
        "course's suites), run_autograder (grades /autograder/submission into\n"
        "/autograder/results/results.json), the suites hidden ones included; never the "
        "solutions.",
        "写出 Gradescope 自动评分包：setup.sh（安装 CPU 版 PyTorch、评分器和本课程的检查套件）、"
        "run_autograder（为 /autograder/submission 评分，结果写入 /autograder/results/results.json）、"
        "全部检查套件（包括隐藏的）；从不包含参考答案。",
    ),
    "help_gradescope_out_path": (
        "The package to write (a .zip).",
        "要写出的包（一个 .zip）。",
    ),
    "help_gradescope_torch_version": (
        "The PyTorch version setup.sh installs (CPU build; default: the one grading here).",
        "setup.sh 安装的 PyTorch 版本（CPU 版；默认：本机评分所用的版本）。",
    ),
}
