"""Everything Excel-facing and the rules: profiles, validation engine, readers, CLI.

Never imports Flask: the server imports this package, not the other way round.
"""
