"""The words of the terminal view, the HTML report, the class summary and the learning curve.

Each key maps to its (English, Chinese) templates, with the same `{fields}` in both.
"""

MESSAGES: dict[str, tuple[str, str]] = {
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
}
