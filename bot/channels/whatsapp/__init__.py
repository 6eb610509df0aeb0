"""The WhatsApp channel on the WhatsApp Cloud API, with pywa (docs/whatsapp.md)."""
