"""The fuzz harness of every public entry point (run by ``tests/test_fuzz.py``).

``recipes``: inputs as printable data; ``ops``: multi-step operations; ``strategies``:
one hypothesis strategy per public name; ``pool``: watched worker processes that run the
cases and classify each outcome; ``worker``: the worker's main loop.
"""
