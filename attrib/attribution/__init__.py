"""Attribution: containment, likelihood, mixture, time window, verdict."""

from attrib.attribution.engine import Attribution, Settings, attribute

__all__ = ["Attribution", "Settings", "attribute"]
