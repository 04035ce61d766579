"""Notifications: the outbox and what goes through it (vendor purchase orders by e-mail,
webhook and X12; retail events to webhook subscribers). See docs/notifications.md."""
