"""Clients of the wifi-densepose sensing server (and of RuView-compatible servers).

Needs the ``client`` extra: ``pip install 'wifi-densepose[client]'``.
"""

from wifi_densepose.client.ws import (
    AuthenticationError,
    Classification,
    EdgeFusedVitals,
    EdgeVitals,
    Features,
    HostNotAllowedError,
    Message,
    MmwaveReading,
    NodeInfo,
    SensingClient,
    SensingClientError,
    SensingUpdate,
    SyncSensingClient,
    UnknownMessage,
    VitalSigns,
    parse_message,
)

__all__ = [
    "AuthenticationError",
    "Classification",
    "EdgeFusedVitals",
    "EdgeVitals",
    "Features",
    "HostNotAllowedError",
    "Message",
    "MmwaveReading",
    "NodeInfo",
    "SensingClient",
    "SensingClientError",
    "SensingUpdate",
    "SyncSensingClient",
    "UnknownMessage",
    "VitalSigns",
    "parse_message",
]
