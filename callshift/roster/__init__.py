"""Rostering: problem data, the CP-SAT model, solving, and an independent checker."""
