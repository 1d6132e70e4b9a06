"""REFI-QDA interoperability: export a study as a .qdpx project or a .qdc codebook,
and import both back (www.qdasoftware.org). Positions are Unicode code points over
the canonical text, as everywhere in tcoder."""
