//! What was agreed: term sheet TOML -> validated Contract, with provenance.
