"""OpenOMS: an order management system for a broker's trading desk and omnichannel retail."""

__version__ = "0.1.0"
