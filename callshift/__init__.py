"""callshift: staffing and rostering for contact centers that run around the clock."""

__version__ = "0.1.0"
