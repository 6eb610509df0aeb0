"""Channel adapters: native events in as `Inbound`, replies rendered natively out."""
