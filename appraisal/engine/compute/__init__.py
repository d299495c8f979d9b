"""The computation: inputs + scheme → results."""

from .engine import compute
from .inputs import COLUMNS, Inputs
from .results import Results
from .ties import TieDecision

__all__ = ["COLUMNS", "Inputs", "Results", "TieDecision", "compute"]
