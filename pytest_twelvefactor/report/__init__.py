"""Reporters: each renders an already computed result; none recomputes anything."""
