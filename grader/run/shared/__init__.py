"""What the judge side and the workers side share: the wire (frames, codec), the plan and its
limits, device rules, process plumbing, and how the worker template is started."""
