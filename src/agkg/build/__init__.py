"""Building the dataset: YAML claims -> quotes -> provenance -> graph -> validation -> publishing, incremental."""
