"""Every sentence the grader says to a learner, in English and Chinese, side by side.

`MESSAGES` maps a key to its (English, Chinese) `str.format` templates, with the same
`{fields}` in both; `say(key, **fields)` fills in the one of the run's language
(`language()`: GRADER_LANG, then the locale; English where neither names a language the course
speaks). Suites write their own check titles and hints with `grader.testing.catalog`, the same
pairs; the grader's own wording lives here, with its commands' help (cli/localize.py).
"""

from __future__ import annotations

import os

MESSAGES: dict[str, tuple[str, str]] = {
    # --- what happened when the grader called learner code
    "probe_call": (
        "your code (as this check calls it)",
        "你的代码（按本检查项的调用方式）",
    ),
    "call_raised": (
        "Calling `{call}` raised {exc_type}: {exc_message}",
        "调用 `{call}` 时抛出了 {exc_type}：{exc_message}",
    ),
    "call_not_implemented": (
        "`{function}` is not written yet: it still raises NotImplementedError. Open {file} and "
        "replace the `raise NotImplementedError(...)` line with your code.",
        "`{function}` 还没有写：它仍然抛出 NotImplementedError。打开 {file}，"
        "把 `raise NotImplementedError(...)` 这一行换成你的代码。",
    ),
    "call_exit": (
        "`{call}` called sys.exit() (SystemExit({exc_message})). A function should return its "
        "result, not end the program.",
        "`{call}` 调用了 sys.exit()（SystemExit({exc_message})）。函数应当返回结果，而不是结束程序。",
    ),
    "call_timeout": (
        "`{call}` did not finish within {seconds:g} s, so it was stopped. Look for a loop that "
        "never ends, or work that grows much faster than the input.",
        "`{call}` 没能在 {seconds:g} 秒内完成，已被终止。检查一下有没有永不结束的循环，或者计算量是否随输入增长得过快。",
    ),
    "call_timeout_skipped": (
        "`{function}` was not called again: it already ran past the time limit {count} times "
        "in this run (see the first check that stopped it).",
        "没有再调用 `{function}`：本次运行中它已经 {count} 次超出时间限制（见第一个因此被终止的检查项）。",
    ),
    "call_died": (
        "The run ended during `{call}`: {how}. Nothing your code returned could be graded.",
        "运行在 `{call}` 期间终止：{how}。你的代码没有返回任何可以评分的结果。",
    ),
    "how_exit_code": (
        "the process exited with code {code} (os._exit or a crash in a library)",
        "进程以退出码 {code} 结束（os._exit，或某个库崩溃）",
    ),
    "how_signal": (
        "the process was killed by signal {signal} ({name})",
        "进程被信号 {signal}（{name}）终止",
    ),
    "how_cpu_limit": (
        "it used more CPU time than allowed",
        "它用掉的 CPU 时间超出了限制",
    ),
    "call_forbidden": (
        "`{function}` called `{api}` (line {line} of {file}), which this exercise forbids. {hint}",
        "`{function}` 调用了 `{api}`（{file} 第 {line} 行），本练习禁止使用它。{hint}",
    ),
    "forbidden_hint": (
        "Write it yourself with basic tensor operations.",
        "请用基本的张量运算自己实现。",
    ),
    "call_forbidden_kernel": (
        "`{function}` made PyTorch run its own `{api}` (line {line} of {file}), which this "
        "exercise forbids, whichever function led there. {hint}",
        "`{function}` 让 PyTorch 执行了它自带的 `{api}`（{file} 第 {line} 行），本练习禁止使用它，无论经由哪个函数调用。{hint}",
    ),
    "device_mixed": (
        "`{call}` failed on the stand-in device, a pretend GPU that computes on the CPU but, "
        "like a real GPU, refuses to mix devices: {exc_type}: {exc_message}\nYour code made a "
        "tensor on a fixed device (the CPU) and combined it with the input. Create new tensors "
        "on the input's device, e.g. `torch.zeros(..., device=x.device)`, "
        "`torch.zeros_like(x)` or `x.new_zeros(...)`, never on a fixed device.",
        "`{call}` 在替身设备上失败了。替身设备是一块假想的 GPU：它在 CPU 上计算，但和真正的 GPU 一样，不允许混用不同设备上的张量：{exc_type}："
        "{exc_message}\n你的代码在固定的设备（CPU）上创建了张量，又把它和输入放在一起运算。请在输入所在的设备上创建新张量，"
        "例如 `torch.zeros(..., device=x.device)`、`torch.zeros_like(x)` 或 `x.new_zeros(...)`，"
        "不要写死设备。",
    ),
    "device_numpy": (
        "`{call}` failed on the stand-in device, a pretend GPU: {exc_type}: {exc_message}\n"
        "NumPy sees only the CPU's memory: on a GPU, `.numpy()` needs `.cpu()` first (and "
        "`.detach()` for a tensor that requires grad).",
        "`{call}` 在替身设备（一块假想的 GPU）上失败了：{exc_type}：{exc_message}\nNumPy 只能访问 CPU 的内存：在 GPU 上，"
        "调用 `.numpy()` 之前要先调用 `.cpu()`（需要梯度的张量还要先 `.detach()`）。",
    ),
    "call_tamper": (
        "`{call}` was stopped: your code {what}{where}. Nothing in this course needs to "
        "inspect or rewrite the running program, and the grader measures some things beside "
        "your code: the points of every check that relies on those measurements are held back, "
        "and an instructor will look at your submission.",
        "`{call}` 已被终止：你的代码{what}{where}。本课程没有任何练习需要检查或改写正在运行的程序，而评分器会在你的代码之外测量一些数据："
        "凡是依赖这些测量的检查项，分数都被暂扣，教师会查看你的提交。",
    ),
    "tamper_where": (
        " (line {line} of {file})",
        "（{file} 第 {line} 行）",
    ),
    "tamper_frames": (
        "asked for the interpreter's stack frames (sys._getframe, inspect, traceback)",
        "请求了解释器的栈帧（sys._getframe、inspect、traceback）",
    ),
    "tamper_frame_internals": (
        "read the internals of a frame or of running code ({detail})",
        "读取了栈帧或正在运行的代码的内部结构（{detail}）",
    ),
    "tamper_rewrite": (
        "rewrote the code or internals of a function ({detail})",
        "改写了某个函数的代码或内部结构（{detail}）",
    ),
    "tamper_code": (
        "built or relabelled a code object",
        "构造或重新标记了代码对象",
    ),
    "tamper_compile": (
        "compiled and ran code made at run time (compile, exec, eval)",
        "编译并运行了运行时生成的代码（compile、exec、eval）",
    ),
    "tamper_gc": (
        "searched the garbage collector's objects (gc)",
        "搜索了垃圾回收器（gc）管理的对象",
    ),
    "tamper_trace": (
        "installed a tracer or an audit hook",
        "安装了跟踪函数或审计钩子",
    ),
    "tamper_native": (
        "used native code ({event})",
        "使用了原生代码（{event}）",
    ),
    "tamper_import": (
        "imported {detail}",
        "导入了 {detail}",
    ),
    "tamper_open": (
        "opened {detail}",
        "打开了 {detail}",
    ),
    "tamper_forged": (
        "wrote on the grader's own channel",
        "向评分器自己的通道写入了数据",
    ),
    "tamper_other": (
        "did {event}",
        "执行了 {event}",
    ),
    "importing": (
        "importing {file}",
        "导入 {file}",
    ),
    "call_changed_input": (
        "`{call}` changed its input `{name}`: {how} A function must leave what it was given as "
        "it was (unless its docstring says otherwise): the caller still uses it.",
        "`{call}` 修改了它的输入 `{name}`：{how} 函数必须让传入的参数保持原样（除非文档字符串另有说明）：调用者之后还要用它。",
    ),
    "changed_values": (
        "its values are different now (an in-place operation such as `{name} -= …`, "
        "`{name}.add_(…)`, `{name}[…] = …`, or a write through `.data` or `.numpy()`). Compute "
        "on new tensors instead (`{name} - m`, not `{name} -= m`).",
        "它的值变了（就地修改，例如 `{name} -= …`、`{name}.add_(…)`、`{name}[…] = …`，或通过 `.data`、"
        "`.numpy()` 写入）。请在新张量上计算（写 `{name} - m`，而不是 `{name} -= m`）。",
    ),
    "changed_written_back": (
        "it was written in place and then put back as it was (e.g. `{name}.sub_(m)` … "
        "`{name}.add_(m)`). Even when the values come back, an in-place write to an input "
        "breaks autograd and any code that reads it meanwhile: compute on new tensors.",
        "它先被就地修改，之后又被改回原样（例如 `{name}.sub_(m)` … `{name}.add_(m)`）。即使值恢复了，对输入的就地修改也会破坏自动求导，"
        "并影响期间读取它的代码：请在新张量上计算。",
    ),
    "changed_shape": (
        "its shape changed (`resize_`, `unsqueeze_`, `set_`, …).",
        "它的形状变了（`resize_`、`unsqueeze_`、`set_` 等）。",
    ),
    "changed_dtype": (
        "its dtype changed.",
        "它的数据类型变了。",
    ),
    "changed_device": (
        "it was moved to another device in place.",
        "它被就地移到了另一个设备上。",
    ),
    "changed_requires_grad": (
        "its requires_grad flag changed (`{name}.requires_grad_()` changes the caller's "
        "tensor: use `{name}.detach().requires_grad_()` for a tensor of your own).",
        "它的 requires_grad 标志变了（`{name}.requires_grad_()` 会修改调用者的张量：需要自己的张量时，"
        "请用 `{name}.detach().requires_grad_()`）。",
    ),
    "changed_grad": (
        "its `.grad` changed (a `backward()` through it, or `.grad` set or zeroed): save and "
        "restore it, or take gradients with `torch.autograd.grad`.",
        "它的 `.grad` 变了（经由它调用了 `backward()`，或者设置、清零了 `.grad`）：请先保存再恢复，"
        "或者用 `torch.autograd.grad` 求梯度。",
    ),
    "changed_strides": (
        "its memory layout changed (an in-place `transpose_`, `t_`, …).",
        "它的内存布局变了（就地的 `transpose_`、`t_` 等）。",
    ),
    "changed_items": (
        "the container itself was changed (items added, removed or replaced): build a new list "
        "or dict instead.",
        "容器本身被修改了（增加、删除或替换了元素）：请另建一个新的 list 或 dict。",
    ),
    "changed_more": (
        "({count} more input(s) changed too.)",
        "（另有 {count} 个输入也被修改了。）",
    ),
    "calls_described": (
        "{first} (and {count} calls like it)",
        "{first}（以及 {count} 次类似的调用）",
    ),
    "call_bad_return": (
        "`{call}` returned something the grader could not read: {detail}",
        "`{call}` 返回了评分器无法读取的内容：{detail}",
    ),
    "call_missing_name": (
        "{file} has no `{name}`. Check the spelling: the name must be exactly `{name}`.{available}",
        "{file} 中没有 `{name}`。请检查拼写：名字必须正好是 `{name}`。{available}",
    ),
    "call_missing_available": (
        " It defines: {names}.",
        "该文件定义了：{names}。",
    ),
    "call_too_large": (
        "`{call}` returned more than {limit} MiB of data, more than any answer in this course "
        "needs, so it was not read.",
        "`{call}` 返回的数据超过 {limit} MiB，远多于本课程任何答案所需，因此没有读取。",
    ),
    "call_internal_error": (
        "While running `{call}`, the grader's helper process failed: {detail}. If your code "
        "changes PyTorch or Python itself (monkeypatching), undo that.",
        "运行 `{call}` 时，评分器的辅助进程出错：{detail}。如果你的代码修改了 PyTorch 或 Python 本身（猴子补丁），请撤销这些修改。",
    ),
    "module_missing": (
        "{file} is missing from your submission, so nothing in it could be checked.",
        "你的提交中缺少 {file}，因此其中的内容都无法检查。",
    ),
    "module_import_failed": (
        "{file} could not be imported: {exc_type}: {exc_message}",
        "无法导入 {file}：{exc_type}：{exc_message}",
    ),
    "module_syntax_error": (
        "{file} has a syntax error on line {line}: {exc_message}",
        "{file} 第 {line} 行有语法错误：{exc_message}",
    ),
    "module_import_timeout": (
        "Importing {file} did not finish within {seconds:g} s. Code at the top level of the "
        "file runs on import: is there a loop there that never ends?",
        "导入 {file} 没能在 {seconds:g} 秒内完成。文件顶层的代码会在导入时运行：那里是不是有永不结束的循环？",
    ),
    "module_import_died": (
        "Importing {file} ended the run: {how}.",
        "导入 {file} 时运行终止：{how}。",
    ),
    "traceback_header": (
        "Where it happened in your code:",
        "出错的位置（在你的代码中）：",
    ),
    "traceback_line": (
        "  {file}, line {line}, in {function}\n    {code}",
        "  {file}，第 {line} 行，{function} 中\n    {code}",
    ),
    "output_header": (
        "Your code printed:",
        "你的代码输出了：",
    ),
    "output_truncated": (
        "[… output cut: more than {limit} characters]",
        "[… 输出已截断：超过 {limit} 个字符]",
    ),
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
    # --- the terminal, the reports and the class summary: labels (render/, templates/)
    "exercise_score": (
        "{earned:g}/{possible:g} pts",
        "{earned:g}/{possible:g} 分",
    ),
    "tag_hidden": (
        "hidden",
        "隐藏",
    ),
    "check_hidden_mark": (
        " (hidden)",
        "（隐藏）",
    ),
    "status_graded": (
        "graded",
        "已评分",
    ),
    "status_rejected": (
        "rejected",
        "未评分",
    ),
    "status_error": (
        "error",
        "评分出错",
    ),
    "report_score": (
        "{earned} / {possible} points",
        "{earned} / {possible} 分",
    ),
    "report_percent_label": (
        "{percent} percent",
        "百分之 {percent}",
    ),
    "report_not_graded": (
        "Not graded",
        "未评分",
    ),
    "report_grading_error": (
        "Grading error",
        "评分出错",
    ),
    "report_findings": (
        "About the files handed in",
        "关于提交的文件",
    ),
    "report_flagged": (
        "Flagged for an instructor's look",
        "已标记，待教师查看",
    ),
    "report_flagged_note": (
        "(this does not change the score)",
        "（不影响分数）",
    ),
    "report_no_checks": (
        "No check ran for this exercise.",
        "本练习没有运行任何检查项。",
    ),
    "report_printed": (
        "What your code printed",
        "你的代码输出的内容",
    ),
    "report_printed_cut": (
        " (cut)",
        "（已截断）",
    ),
    "report_footer": (
        "Checked against PyTorch {torch} on Python {python} · suites {suites} · grader "
        "{grader} · {generated}",
        "对照 PyTorch {torch}（Python {python}）检查 · 检查套件 {suites} · 评分器 {grader} · {generated}",
    ),
    "report_duration": (
        " · graded in {seconds} s",
        " · 评分用时 {seconds} 秒",
    ),
    "report_sandbox": (
        "Sandbox protections in this run",
        "本次运行的沙箱保护",
    ),
    "report_sandbox_active": (
        "active",
        "已启用",
    ),
    "report_sandbox_off": (
        "off: {why}",
        "未启用：{why}",
    ),
    "summary_title": (
        "Class summary: {count} submissions",
        "全班汇总：{count} 份提交",
    ),
    "summary_heading": (
        "Class summary",
        "全班汇总",
    ),
    "summary_counts": (
        "{count} submissions · {graded} graded · {not_graded} not graded · {flagged} flagged · "
        "generated {generated}",
        "{count} 份提交 · {graded} 份已评分 · {not_graded} 份未评分 · {flagged} 份被标记 · 生成于 {generated}",
    ),
    "summary_not_graded_note": (
        "(each report says why):",
        "（原因见各自的报告）：",
    ),
    "summary_learners": (
        "Learners",
        "学员",
    ),
    "summary_filter": (
        "Filter",
        "筛选",
    ),
    "summary_filter_placeholder": (
        "name, id, status…",
        "姓名、学号、状态……",
    ),
    "summary_sort_hint": (
        "click a column's title to sort",
        "点击列标题即可排序",
    ),
    "column_submission": (
        "submission",
        "提交",
    ),
    "column_student_id": (
        "student id",
        "学号",
    ),
    "column_name": (
        "name",
        "姓名",
    ),
    "column_status": (
        "status",
        "状态",
    ),
    "column_total": (
        "total",
        "总分",
    ),
    "column_flags": (
        "flags",
        "标记",
    ),
    "column_exercise": (
        "exercise",
        "练习",
    ),
    "column_mean_score": (
        "mean score",
        "平均得分率",
    ),
    "column_full_marks": (
        "full marks",
        "满分人数",
    ),
    "column_where": (
        "where",
        "位置",
    ),
    "column_what": (
        "what",
        "内容",
    ),
    "column_check": (
        "check",
        "检查项",
    ),
    "column_passed": (
        "passed",
        "通过",
    ),
    "summary_roster": (
        "Roster",
        "名单",
    ),
    "summary_roster_unmatched": (
        "Submissions with no roster row",
        "名单中找不到的提交",
    ),
    "summary_roster_ambiguous": (
        "Submissions that fit several roster rows",
        "与名单中多行都匹配的提交",
    ),
    "summary_roster_ambiguous_note": (
        "(given to none):",
        "（不归给其中任何一行）：",
    ),
    "summary_roster_shared": (
        "Roster rows with several submissions",
        "对应多份提交的名单行",
    ),
    "summary_roster_missing": (
        "Roster rows with no submission",
        "没有提交的名单行",
    ),
    "summary_intake": (
        "How the download was read",
        "下载内容的读取方式",
    ),
    "summary_distribution": (
        "Score distribution",
        "分数分布",
    ),
    "summary_mean_median": (
        "Mean {mean}% · median {median}% over {count} graded submissions",
        "{count} 份已评分提交：平均 {mean}% · 中位数 {median}%",
    ),
    "summary_histogram_label": (
        "Histogram of scores",
        "分数直方图",
    ),
    "summary_by_exercise": (
        "By exercise",
        "按练习",
    ),
    "summary_flagged": (
        "Flagged for a look",
        "被标记待查看",
    ),
    "summary_flagged_note": (
        "Static screening found code that deserves an instructor's look. Flags do not change "
        "scores.",
        "静态筛查发现了值得教师查看的代码。标记不影响分数。",
    ),
    "summary_checks": (
        "Every check, lowest pass rate first ({count})",
        "全部检查项，通过率低的在前（{count} 项）",
    ),
    "summary_footer": (
        "Suites {suites} · PyTorch {torch} · Python {python}",
        "检查套件 {suites} · PyTorch {torch} · Python {python}",
    ),
    "curve_line": (
        "learning curve, {epochs}: train loss {train_first} → {train_last}, val loss "
        "{val_first} → {val_last}, val accuracy {acc_first} → {acc_last} {sparkline}",
        "学习曲线，{epochs}：训练损失 {train_first} → {train_last}，验证损失 {val_first} → {val_last}，"
        "验证准确率 {acc_first} → {acc_last} {sparkline}",
    ),
    "curve_epochs_one": (
        "{count} epoch",
        "{count} 轮",
    ),
    "curve_epochs": (
        "{count} epochs",
        "{count} 轮",
    ),
    "curve_train_loss": (
        "train loss",
        "训练损失",
    ),
    "curve_val_loss": (
        "val loss",
        "验证损失",
    ),
    "curve_val_accuracy": (
        "val accuracy",
        "验证准确率",
    ),
    "curve_epoch": (
        "epoch {number}",
        "第 {number} 轮",
    ),
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
        "solutions/ 中的文件将被打包",
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
        "The language of what the grader says: zh or en (default: GRADER_LANG, then the "
        "locale, e.g. LANG=zh_CN.UTF-8).",
        "评分器输出所用的语言：zh 或 en（默认依次取 GRADER_LANG 和系统区域设置，例如 LANG=zh_CN.UTF-8）。",
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

EN: dict[str, str] = {key: texts[0] for key, texts in MESSAGES.items()}
ZH: dict[str, str] = {key: texts[1] for key, texts in MESSAGES.items()}
CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


LANGUAGES = ("en", "zh")


def language() -> str:
    """The learner's language: GRADER_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG:
    `zh_CN.UTF-8` gives "zh"); English where neither names a language the course speaks."""
    for name in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value and value not in ("c", "posix") and not value.startswith("c."):
            code = value.replace("-", "_").split("_")[0].split(".")[0]
            return code if code in LANGUAGES else "en"
    return "en"


def _catalog() -> dict[str, str]:
    return CATALOGS.get(language(), EN)


def say(key: str, **fields: object) -> str:
    template = _catalog().get(key) or EN[key]
    return template.format(**fields)


def titles(doc: str | None, fallback: str) -> tuple[str, str]:
    """A check's (English, Chinese) title from its docstring: the first line, and the line
    that starts with `zh:` (the English one where there is none)."""
    lines = [line.strip() for line in (doc or "").strip().splitlines() if line.strip()]
    english = lines[0] if lines else fallback
    chinese = next((line[3:].strip() for line in lines[1:] if line.startswith("zh:")), english)
    return english, chinese or english


def title(doc: str | None, fallback: str) -> str:
    english, chinese = titles(doc, fallback)
    return chinese if language() == "zh" else english


ZH_MARK = "zh:"  # a line of its own in a stub's docstring: the Chinese docstring follows it


def docstring_parts(doc: str) -> tuple[str, str | None]:
    """A stub's docstring as (English, Chinese): the Chinese part is everything after a line
    that is exactly `zh:` (None where there is none). Both keep their examples (`>>>`)."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == ZH_MARK:
            english = "\n".join(lines[:i]).rstrip()
            chinese = "\n".join(lines[i + 1 :]).strip("\n")
            return english, chinese
    return doc, None
