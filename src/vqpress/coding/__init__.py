"""The payload codings of ``.vqz`` (docs/FORMAT.md, "Payload codings").

``registry.py`` is the table of codings the container dispatches through: ``raw``
(:mod:`vqpress.bitpack`), ``context`` (:mod:`vqpress.entropy`) and ``cm``. The ``cm`` coding
is ``cm.py`` (the payload), ``levels.py`` (its models and levels), ``choice.py`` (what the
encoder picks per effort and map), ``level8.py`` (levels 8, 11, 13 and 16's parameters),
``symbol_order.py`` (a palette's order) and the compiled kernels ``_cm*.pyx``
(docs/kernels.md). Nothing is imported with the package.
"""
