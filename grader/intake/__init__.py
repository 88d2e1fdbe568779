"""Intake: what a submission hands in, copied into a fresh workspace and screened, never trusted.

`workspace.py` copies only the exercise modules of a folder or zip (every problem is a
finding); `screening.py` reads them (it runs nothing) and flags code worth a look.
"""
