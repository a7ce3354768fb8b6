// The QualityMetrics layer; see docs/architecture.md. Code lands here as its issue is worked.
