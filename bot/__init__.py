"""hirebot: a chat-ops hiring assistant with one channel-neutral core and thin channel adapters."""

__version__ = "0.1.0"
