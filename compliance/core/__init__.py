"""The core: the models, the vocabularies, facts and conditions, the engine, scoring, the DPIA
screening, rule packs, the article and control catalogues, recomputation and the rule cases.

Pure: facts in, assessment out. The core reads only the data shipped with the tool (`rules/`,
through `compliance.core.resources`); it never reads a user's file, runs a process, opens a
connection, looks at the clock or draws a random number. Every other layer imports it; it
imports none of them (import-linter checks this).
"""
