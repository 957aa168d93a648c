"""Pure KAM analytics: DataFrames in, DataFrames or frozen dataclasses out.

Nothing in this package reads files, talks to a network, renders templates or
draws charts, and nothing looks at the clock: the as-of date is always an
argument. ``tests/test_layering.py`` enforces this.
"""
