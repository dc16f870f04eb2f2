"""Operations: health and readiness, Prometheus metrics, backups and restores, the purge journal
(docs/deployment.md)."""
