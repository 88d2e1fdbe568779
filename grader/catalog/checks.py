"""Comparisons, verdicts and summaries: what a check says, and what a run adds up to.

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- comparisons
    "expected_tensor": (
        "{what}: expected a torch.Tensor, got {got_type}{got_repr}.",
        "{what}：应返回 torch.Tensor，实际得到 {got_type}{got_repr}。",
    ),
    "expected_plain_tensor": (
        "{what}: expected a plain torch.Tensor, got {got_type} (a subclass of Tensor). Return "
        "an ordinary tensor.",
        "{what}：应返回普通的 torch.Tensor，实际得到 {got_type}（Tensor 的子类）。请返回普通张量。",
    ),
    "shape_mismatch": (
        "{what}: wrong shape: expected {expected}, got {got}.",
        "{what}：形状不对：应为 {expected}，实际为 {got}。",
    ),
    "dtype_mismatch": (
        "{what}: wrong dtype: expected {expected}, got {got}. {hint}",
        "{what}：数据类型不对：应为 {expected}，实际为 {got}。{hint}",
    ),
    "dtype_hint_input": (
        "Keep the dtype of the input (float64 in gives float64 out).",
        "保持输入的数据类型（输入 float64，输出也应是 float64）。",
    ),
    "dtype_hint_argument": (
        "Use the dtype that the `{argument}` argument asks for (its default when the caller "
        "leaves it out).",
        "使用参数 `{argument}` 指定的数据类型（调用时省略该参数，就用它的默认值）。",
    ),
    "dtype_hint_fixed": (
        "The docstring fixes it: always {expected}, whatever the input.",
        "文档字符串规定了它：无论输入是什么，都应是 {expected}。",
    ),
    "device_mismatch": (
        "{what}: wrong device: expected {expected}, got {got}. {hint}",
        "{what}：设备不对：应为 {expected}，实际为 {got}。{hint}",
    ),
    "device_hint_input": (
        "Create new tensors on the input's device (e.g. `torch.zeros(..., device=x.device)`), "
        "never on a fixed device.",
        "在输入所在的设备上创建新张量（例如 `torch.zeros(..., device=x.device)`），不要写死设备。",
    ),
    "device_hint_argument": (
        "Create it on the device that the `{argument}` argument names (its default when the "
        "caller leaves it out), never on a fixed device.",
        "在参数 `{argument}` 指定的设备上创建它（调用时省略该参数，就用它的默认值），不要写死设备。",
    ),
    "device_hint_fixed": (
        "The docstring fixes it: always {expected}.",
        "文档字符串规定了它：始终是 {expected}。",
    ),
    "values_mismatch": (
        "{what}: {count} of {total} values differ from PyTorch's ({percent}).",
        "{what}：{total} 个值中有 {count} 个与 PyTorch 的结果不同（{percent}）。",
    ),
    "values_abs": (
        "Largest absolute difference: {abs_err:.3g} at index {abs_index} (expected "
        "{abs_expected}, got {abs_got}).",
        "最大绝对误差：{abs_err:.3g}，位于索引 {abs_index}（应为 {abs_expected}，实际为 {abs_got}）。",
    ),
    "values_rel": (
        "Largest relative difference: {rel_err:.3g} at index {rel_index}.",
        "最大相对误差：{rel_err:.3g}，位于索引 {rel_index}。",
    ),
    "values_tolerance": (
        "Allowed: |got - expected| <= {atol:g} + {rtol:g} * |expected|.",
        "允许范围：|got - expected| <= {atol:g} + {rtol:g} * |expected|。",
    ),
    "values_nan": (
        "{what}: {count} value(s) are NaN or infinite where PyTorch gives finite numbers "
        "(first at index {index}). Look for division by zero, or exp() of a large number.",
        "{what}：有 {count} 个值是 NaN 或无穷大，而 PyTorch 给出的是有限值（第一个位于索引 {index}）。检查一下是否除以了零，"
        "或者对很大的数求了 exp()。",
    ),
    "value_mismatch": (
        "{what}: expected {expected}, got {got}.",
        "{what}：应为 {expected}，实际为 {got}。",
    ),
    "expected_raise": (
        "{what}: expected your code to raise {expected}, but it returned {got}.",
        "{what}：你的代码应当抛出 {expected}，却返回了 {got}。",
    ),
    "expected_raise_other": (
        "{what}: expected {expected}, but your code raised {got_type}: {got_message}",
        "{what}：应当抛出 {expected}，你的代码却抛出了 {got_type}：{got_message}",
    ),
    "input_modified": (
        "{what}: your function changed its input `{name}`. Work on a copy (or build new "
        "tensors) instead of writing into the input.",
        "{what}：你的函数修改了它的输入 `{name}`。请在副本上操作（或创建新张量），不要写入输入。",
    ),
    # --- verdicts and summaries
    "tamper_withheld": (
        "Held back: this check relies on what the grader measures beside your code, and your "
        "submission reaches into the grader's machinery: {sign}. An instructor will look at it.",
        "暂扣：本检查项依赖评分器在你的代码之外的测量，而你的提交触及了评分器的内部机制：{sign}。教师会查看你的提交。",
    ),
    "flag_tamper_runtime": (
        "was stopped for reaching into the running program: {what}",
        "因触及正在运行的程序而被终止：{what}",
    ),
    "message_cut": (
        "[… {count} more characters cut]",
        "[… 另有 {count} 个字符已截断]",
    ),
    "golden_stale": (
        "This check compares with values recorded when your kit was made, with torch {made}; "
        "you have torch {have}, which may draw other inputs or compute other values. Install "
        "torch {made} to run it (or ask for a kit made with yours).",
        "本检查项与制作本套件时用 torch {made} 记录下的值作比较；你装的是 torch {have}，它可能生成不同的输入或算出不同的值。"
        "请安装 torch {made} 来运行它（或索取用你的版本制作的套件）。",
    ),
    "check_crashed": (
        "The check itself failed (a grader problem, not yours): {detail}",
        "检查项本身出错了（这是评分器的问题，不是你的）：{detail}",
    ),
    "not_run": (
        "This check did not run: {reason}",
        "本检查项没有运行：{reason}",
    ),
    "not_run_budget": (
        "the time budget for this submission ran out before it",
        "还没轮到它，本次提交的时间预算就用完了",
    ),
    "not_run_judge": (
        "the grading run stopped before it ({detail})",
        "还没轮到它，评分运行就停止了（{detail}）",
    ),
    "skipped_cuda": (
        "no CUDA device",
        "没有 CUDA 设备",
    ),
    "this_machine": (
        "this machine",
        "本机",
    ),
    "shared_points": (
        "A check's device cases share its points: they are shown on one of its rows.",
        "同一检查项的各个设备用例共享分数：分数显示在其中一行上。",
    ),
    "grading_machine": (
        "the grading machine",
        "评分机器",
    ),
    # --- when the grading run itself failed (the grader's fault, never the learner's)
    "judge_time_limit": (
        "the grading run was stopped after its time limit",
        "评分运行超出时间限制，已被停止",
    ),
    "judge_no_report": (
        "the grader's test run ended without a report (exit code {code})",
        "评分器的测试运行结束了，却没有生成报告（退出码 {code}）",
    ),
    "render_failed": (
        "this submission's report could not be written ({detail}): a grader problem, graded "
        "again on the next run",
        "无法写出本次提交的报告（{detail}）：这是评分器的问题，下次运行时会重新评分",
    ),
    "judge_no_checks": (
        "the grader's test run did not collect any checks",
        "评分器的测试运行没有收集到任何检查项",
    ),
    "judge_suites_broken": (
        "the course's checks could not be collected ({files}): an instructor should run "
        "`grader verify`",
        "无法收集课程的检查项（{files}）：教师应运行 `grader verify`",
    ),
    "judge_pytest_failed": (
        "the checks could not run (pytest exit code {code})",
        "检查项无法运行（pytest 退出码 {code}）",
    ),
    "judge_learner_code": (
        "the grader's test run imported learner code ({names})",
        "评分器的测试运行导入了学员代码（{names}）",
    ),
    "summary_public_only": (
        "Only public checks ran. Hidden checks ({hidden_count} checks, {hidden_points} points) "
        "run when your submission is graded.",
        "只运行了公开检查项。隐藏检查项（{hidden_count} 项，共 {hidden_points} 分）会在你的提交被评分时运行。",
    ),
    "summary_public_only_unknown": (
        "Only public checks ran. More checks may run when your submission is graded.",
        "只运行了公开检查项。提交被评分时可能还会运行更多检查项。",
    ),
    "summary_all_passed": (
        "All {count} checks passed.",
        "全部 {count} 个检查项都通过了。",
    ),
    "summary_total": (
        "Total: {earned:g} / {possible:g} points ({percent:.0f}%)",
        "总分：{earned:g} / {possible:g} 分（{percent:.0f}%）",
    ),
    "summary_skipped": (
        "{count} device case(s) skipped on {machine} ({reasons}): a check's device cases share "
        "its points, so they change neither your points nor the total.",
        "{machine}跳过了 {count} 个设备用例（{reasons}）：同一检查项的各个设备用例共享分数，因此它们既不影响你的得分，也不影响总分。",
    ),
    "same_as_above": (
        "(the same problem as above)",
        "（与上面的问题相同）",
    ),
    "every_check_failed": (
        "All {count} checks failed, for one reason:",
        "全部 {count} 个检查项都因同一个原因失败：",
    ),
    "report_written": (
        "HTML report: {path}",
        "HTML 报告：{path}",
    ),
    "table_exercise": (
        "exercise",
        "练习",
    ),
    "table_points": (
        "points",
        "得分",
    ),
    "table_passed": (
        "checks passed",
        "通过的检查项",
    ),
    "table_todo": (
        "not written yet",
        "尚未编写",
    ),
    "progress_heading": (
        "Progress (public checks)",
        "进度（公开检查项）",
    ),
    "no_check_about": (
        "no check of the exercises named is about {functions}: name a function as it is "
        "written in the exercise (e.g. `grader check 01::one_hot`).",
        "所选练习中没有关于 {functions} 的检查项：请按练习中的写法给出函数名（例如 `grader check 01::one_hot`）。",
    ),
    "exercise_passed_count": (
        "{passed} of {count} checks passed",
        "{count} 个检查项中通过了 {passed} 个",
    ),
    "check_skipped": (
        "skipped: {reason}",
        "已跳过：{reason}",
    ),
    "report_skipped_one": (
        "{count} case skipped on {machine} ({reasons}); it changes neither the points nor the "
        "total.",
        "{machine}跳过了 {count} 个用例（{reasons}）；它既不影响得分，也不影响总分。",
    ),
    "report_skipped": (
        "{count} cases skipped on {machine} ({reasons}); they change neither the points nor "
        "the total.",
        "{machine}跳过了 {count} 个用例（{reasons}）；它们既不影响得分，也不影响总分。",
    ),
    "gradescope_score": (
        "{earned:g} / {possible:g} points ({percent:.0f}%).",
        "{earned:g} / {possible:g} 分（{percent:.0f}%）。",
    ),
    "gradescope_not_graded": (
        "Not graded: {detail}",
        "未评分：{detail}",
    ),
    "list_hidden_not_in_kit": (
        "Hidden checks are not part of this kit: they run when you are graded.",
        "隐藏检查项不在本套件中：它们在评分时运行。",
    ),
}
