"""Question answering: entity linking, reading a question, answering it by SPARQL over the graph."""
