"""Tagging: situations and techniques for every tip, and the phrases it recommends saying.

Runs on checked content; results are cached per tip; `evaluation` measures them
against labelled sets passed in by the caller.
"""
