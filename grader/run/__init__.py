"""The run stage, split by trust: the judge side (trusted: pytest and the suites, which compute
every expected value and never import learner code), the workers side (the processes that run
learner code, and what confines them), and what both share (the wire, device rules, the plan).

    judge/    config, process, plugin, checks, reports, session, channel, problems, learner
    workers/  template, supervisor, worker, probes, guard, confine, namespaces, cgroups, reaper
    shared/   frames, codec, plan, devices, process, launcher

The judge side never imports the workers side, nor the workers side the judge side
(tests/test_layout.py checks it): they meet only through shared/ and the wire.
"""
