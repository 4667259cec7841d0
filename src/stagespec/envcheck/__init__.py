"""`stagespec env check`: does this host provide every variable and secret a spec needs.

Reports names, never values. Takes the environment as a mapping: the cli passes
`os.environ`. May import engine and everything below it; never cli or another command
family.
"""
