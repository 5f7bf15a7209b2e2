"""Advisory boards: members, registers of interests, agendas, notes and conflicts."""
