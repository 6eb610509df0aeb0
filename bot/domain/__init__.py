"""The hiring domain: rules about roles, stages, applicants and permissions, with no I/O."""
