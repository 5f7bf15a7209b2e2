"""The registry's side of commissioning decisions: approved transfers, scheduled and applied.

``consumer`` records each ``commissioning.TransferApproved`` (and its date changes and
cancellations) as pending rows and says ``registry.TransferScheduled``; ``scheduler`` applies
the rows whose significant date has come, by the injectable ``clock``; ``domain`` decides,
without I/O, what one school's transfer becomes on the day; ``apply`` does it in one
transaction.
"""
