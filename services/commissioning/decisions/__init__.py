"""Decision records: coded reasons and who may decide what (policies), conditions, and the
escalation or challenge that reopens a decision (``policy``, ``handlers``, ``api``,
``schemas``). The pure rules are in ``services.commissioning.domain``."""
