"""The workers side (untrusted ground): the warm template, one supervisor per submission, the
workers that import and call learner code, and everything that confines them. Nothing a worker
sends is trusted by the judge."""
