"""View models: display-ready objects between the analytics and the templates.

One module per output (customer review, portfolio, targets page, batch index,
email). Each turns analytics results into frozen dataclasses of text through
one :class:`~kamreport.views.display.Display`; templates only lay them out.
"""
