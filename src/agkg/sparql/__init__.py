"""SPARQL over the published data: local queries (with the label service), named queries, remote endpoints, pushing to stores."""
