//! Monte Carlo risk on the engine (MODEL.md 10): reproducible, parallel.
