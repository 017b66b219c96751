"""W3C SPARQL protocol harness and the shared test fixtures of the API tests (store, data)."""
