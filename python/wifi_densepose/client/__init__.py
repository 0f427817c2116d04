"""Clients for a running wifi-densepose (or RuView) sensing server: WebSocket, MQTT, Home Assistant."""
