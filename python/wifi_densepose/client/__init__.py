"""Clients for a running wifi-densepose (or RuView) sensing server.

- :mod:`wifi_densepose.client.ws`: ``SensingClient``, the ``/ws/sensing`` WebSocket and REST client
  (needs the ``client`` extra: ``pip install 'wifi-densepose[client]'``);
- :mod:`wifi_densepose.client.messages`: the typed WebSocket messages (no extra needed);
- :mod:`wifi_densepose.client.mqtt`: ``RuViewMqttClient`` (needs the ``client`` extra);
- :mod:`wifi_densepose.client.ha`: Home Assistant discovery and state payloads (no extra needed).
"""
