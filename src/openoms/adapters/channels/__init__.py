"""Sales channels that send us orders (Shopify webhooks)."""
