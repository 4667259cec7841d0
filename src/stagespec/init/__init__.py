"""`stagespec init`: the commented starter spec.

May import model and the bottom modules; never cli or another command family.
"""
