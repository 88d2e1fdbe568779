"""The grader's catalog: every sentence it says, in English and Chinese side by side, in
tables by theme (grader.messages joins them into one `MESSAGES` and says them)."""
