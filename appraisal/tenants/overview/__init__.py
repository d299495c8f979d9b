"""Overview: the top floor. Pages that gather what several features know.

The cycle dashboard (a year's populations and phase, and the progress of its
letters, scores, ballots and appeals) lives here so that ``cycles`` need not
know the features built on it: dependencies point down.
"""
