"""The judge side (trusted): one pytest run of the course's suites per submission, and the
session through which its checks call learner code in workers. Never imports learner code."""
