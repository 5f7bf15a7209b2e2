"""Transfer and conversion projects: what an approval sets going, through its task list and
authority to proceed, to the day the schools move (``policy``, ``domain``, ``handlers``,
``projection``, ``queries``, ``schemas``, ``api``)."""
