"""Segments: rules over partner and contact data, kept as live, explainable membership."""
