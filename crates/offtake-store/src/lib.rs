//! The portfolio store: the only crate with SQL (SQLite, optional PostgreSQL).
