"""Curtois & Qu staff scheduling benchmark: instance reader, compiler, evaluator."""
