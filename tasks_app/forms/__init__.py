"""Forms validate everything a person sends; the actions then assume valid input. One
module per family: accounts, creation, evidence, filters, lifecycle, updates."""
