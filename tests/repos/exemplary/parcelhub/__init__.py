"""parcelhub: shipment tracking API and carrier polling workers."""

__version__ = "1.5.0"
