"""Importers: draft data packs from open data (Wikidata for a drama and its people,
MusicBrainz for its OST). They write pack TOML that the pack loader checks like any
hand-written pack; they know neither Discord nor the fact store."""
