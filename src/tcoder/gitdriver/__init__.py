"""tcoder and git: readable diffs, a record-level merge driver, review summaries.

- :mod:`.gitcmd` runs git (one place for its errors and its environment);
- :mod:`.setup` writes .gitattributes/.gitignore lines and the driver config;
- :mod:`.textconv` turns an annotation file into one readable line per annotation;
- :mod:`.merge` is the three-way merge driver (by annotation id, re-anchoring
  when the transcript changed on one branch);
- :mod:`.versions` finds the transcript text an annotation file was written against;
- :mod:`.review` compares a study's annotations between two revisions.

Nothing here imports Textual, pandas or numpy: git runs these on every diff.
"""
