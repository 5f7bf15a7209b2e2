"""View models: plain Python built from API answers, tested without a browser.

Templates only lay these out; anything computed (labels, dates, chart geometry, which
actions a user is offered) is computed here.
"""
