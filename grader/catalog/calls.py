"""What happened when the grader called learner code: the messages of a failing call.

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

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
}
