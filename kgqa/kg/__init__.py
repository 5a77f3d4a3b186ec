"""The build pipeline: article + curated facts + ontology -> the graph files in `kg/dist/`."""
