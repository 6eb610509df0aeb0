"""Channel-neutral messages: what the core says, before any adapter renders it natively."""
