//! Contract + Scenario -> monthly Schedule, Metrics and Verdicts (MODEL.md 1-9). No IO.
