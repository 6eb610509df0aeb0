"""What keeps a running hirebot going: the ASGI server, the background loops, leases on
claimed work and the Prometheus metrics. The core below knows none of it."""
