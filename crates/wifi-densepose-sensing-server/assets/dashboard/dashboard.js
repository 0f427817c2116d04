// The live dashboard of wifi-densepose-sensing-server (docs/wire.md §4.9).
//
// Reads /ws/sensing (room state, device vitals, alerts, semantic primitives) and polls /health and /api/v1/nodes
// once a second (per-node vitals with status and confidence, frame rate, RSSI, packet
// counters). Shows only what the server sent: a lost connection, a stale node or a withheld
// value is labelled as such, never filled in. Series are bounded by count and by time, so a
// tab left open does not grow. With a token configured, the token (asked from the user and
// kept in sessionStorage at most) goes in an Authorization header; the WebSocket gets in
// with a one-time ticket from POST /api/v1/ws-ticket.
(function () {
  'use strict';

  const POLL_MS = 1000;
  const WINDOW_S = 300;
  const MAX_POINTS = 600;
  const MAX_ALERTS = 20;
  const MAX_UNKNOWN_TYPES = 32;
  const STALL_MS = 3000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 5000;
  const TOKEN_KEY = 'wdp-dashboard-token';
  const RENDER_MS = 250;
  const MOTION_LEVELS = { absent: 0, present_still: 1, present_moving: 2, active: 3 };
  const HIDDEN = 'hidden (privacy mode)';

  // ---- values: only what the server sent, of the type it should have -----------------
  const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const str = (x) => (typeof x === 'string' ? x : null);
  const bool = (x) => (typeof x === 'boolean' ? x : null);
  const obj = (x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : null);
  const arr = (x) => (Array.isArray(x) ? x : []);
  const has = (o, k) => o !== null && Object.prototype.hasOwnProperty.call(o, k);
  const nowS = () => Date.now() / 1000;
  const fixed = (x, digits) => (x === null ? '—' : x.toFixed(digits));

  /** A time series capped at MAX_POINTS points and WINDOW_S seconds. */
  class Series {
    constructor() { this.points = []; }
    push(t, value, status) {
      this.points.push({ t, v: value, s: status || 'VALID' });
      const horizon = t - WINDOW_S;
      let drop = Math.max(0, this.points.length - MAX_POINTS);
      while (drop < this.points.length && this.points[drop].t < horizon) drop += 1;
      if (drop > 0) this.points.splice(0, drop);
    }
    get length() { return this.points.length; }
  }

  const state = {
    loadId: Math.random().toString(36).slice(2),
    token: null,
    tokenRequired: null,
    privacy: null,
    connection: 'connecting',
    ws: null,
    connecting: false,
    socketUsedTicket: false,
    attempt: 0,
    retryAt: 0,
    retryTimer: null,
    pollTimer: null,
    lastMessageMs: 0,
    source: null,
    feed: null,
    room: null,
    roomSeries: { presence: new Series(), motion: new Series() },
    lastRoomT: -Infinity,
    health: null,
    nodes: new Map(),
    edge: new Map(),
    alerts: [],
    semantic: null,
    unknownTypes: new Map(),
    badMessages: 0,
    dirty: true,
  };

  try { state.token = window.sessionStorage.getItem(TOKEN_KEY); } catch (_) { state.token = null; }

  const $ = (id) => document.getElementById(id);

  function authHeaders() {
    return state.token ? { Authorization: 'Bearer ' + state.token } : {};
  }

  // ---- connection ---------------------------------------------------------------------
  function setConnection(value, text) {
    state.connection = value;
    const el = $('connection');
    el.dataset.state = value;
    el.textContent = text;
    document.body.dataset.connection = value;
  }

  function scheduleReconnect() {
    if (state.retryTimer !== null) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempt);
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    state.attempt = Math.min(state.attempt + 1, 10);
    state.retryAt = Date.now() + delay;
    state.retryTimer = window.setTimeout(() => { state.retryTimer = null; connect(); }, delay);
    showDisconnected();
  }

  function showDisconnected() {
    const seconds = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
    setConnection('disconnected', 'disconnected · retrying in ' + seconds + ' s');
  }

  async function getJson(path, protectedPath) {
    const response = await fetch(path, {
      headers: protectedPath ? authHeaders() : {},
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (response.status === 401) throw new AuthError();
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  class AuthError extends Error {}

  /** One attempt at a time: the health check, a ticket when needed, then the socket. */
  async function connect() {
    if (state.ws !== null || state.connecting) return;
    window.clearTimeout(state.retryTimer);
    state.retryTimer = null;
    state.connecting = true;
    try {
      await attempt();
    } finally {
      state.connecting = false;
    }
  }

  async function attempt() {
    if (state.connection !== 'disconnected') setConnection('connecting', 'connecting…');
    let ticket = null;
    try {
      onHealth(await getJson('/health', false));
      if (state.tokenRequired) {
        if (!state.token) { askForToken(''); return; }
        const response = await fetch('/api/v1/ws-ticket', {
          method: 'POST', headers: authHeaders(), cache: 'no-store', credentials: 'omit',
        });
        if (response.status === 401) { forgetToken(); askForToken('The server refused that token.'); return; }
        if (!response.ok) throw new Error('ticket: HTTP ' + response.status);
        const reply = obj(await response.json());
        ticket = reply === null ? null : str(reply.ticket);
        if (ticket === null) throw new Error('ticket: no ticket in the reply');
      }
    } catch (error) {
      if (error instanceof AuthError) { forgetToken(); askForToken('The server refused that token.'); return; }
      scheduleReconnect();
      return;
    }
    openSocket(ticket);
  }

  function openSocket(ticket) {
    const url = new URL('/ws/sensing', window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = 'semantic=1' + (ticket ? '&ticket=' + encodeURIComponent(ticket) : '');
    state.socketUsedTicket = ticket !== null;
    const ws = new WebSocket(url.toString());
    state.ws = ws;
    ws.onopen = () => {
      state.attempt = 0;
      state.lastMessageMs = Date.now();
      setConnection('live', 'live');
      hideAuth();
      poll();
    };
    ws.onmessage = (event) => { state.lastMessageMs = Date.now(); handleMessage(event.data); };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.dirty = true;
      scheduleReconnect();
    };
  }

  // ---- the token prompt -----------------------------------------------------------------
  function askForToken(message) {
    if (state.ws !== null) { const ws = state.ws; state.ws = null; ws.close(); }
    setConnection('auth', 'token required');
    $('auth').hidden = false;
    $('auth-error').textContent = message;
    $('auth-token').focus();
  }

  function hideAuth() { $('auth').hidden = true; $('auth-error').textContent = ''; }

  function forgetToken() {
    state.token = null;
    try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (_) { /* storage disabled */ }
  }

  function onTokenSubmitted(event) {
    event.preventDefault();
    const input = $('auth-token');
    const token = input.value.trim();
    input.value = '';
    if (!token) return;
    state.token = token;
    try { window.sessionStorage.setItem(TOKEN_KEY, token); } catch (_) { /* tab memory only */ }
    state.attempt = 0;
    connect();
  }

  // ---- REST polling ---------------------------------------------------------------------
  async function poll() {
    window.clearTimeout(state.pollTimer);
    state.pollTimer = window.setTimeout(poll, POLL_MS);
    if (state.ws === null || state.ws.readyState !== WebSocket.OPEN) return;
    try {
      onHealth(await getJson('/health', false));
      onNodes(await getJson('/api/v1/nodes', true));
    } catch (error) {
      if (error instanceof AuthError) { forgetToken(); askForToken('The server refused that token.'); }
      // Otherwise the socket's close starts the reconnect; the values stay marked as old.
    }
  }

  function onHealth(body) {
    body = obj(body);
    if (body === null) return;
    state.health = body;
    state.tokenRequired = bool(body.token_required) === true;
    state.privacy = bool(body.privacy_mode);
    if (str(body.source) !== null) state.source = body.source;
    if (str(body.source_kind) !== null) {
      state.feed = { kind: body.source_kind, speed: num(body.replay_speed) };
    }
    state.dirty = true;
  }

  function nodeState(id) {
    let node = state.nodes.get(id);
    if (!node) {
      node = {
        id, info: null, seenAt: 0,
        breathing: new Series(), heart: new Series(), motion: new Series(),
        rssi: new Series(), fps: new Series(), el: null,
      };
      state.nodes.set(id, node);
    }
    return node;
  }

  function onNodes(body) {
    body = obj(body);
    if (body === null) return;
    const t = nowS();
    const listed = new Set();
    for (const entry of arr(body.nodes)) {
      const info = obj(entry);
      const id = info && num(info.node_id);
      if (id === null) continue;
      listed.add(id);
      const node = nodeState(id);
      node.info = info;
      node.seenAt = t;
      const vitals = obj(info.vital_signs);
      if (vitals !== null) {
        node.breathing.push(t, num(vitals.breathing_rate_bpm), str(vitals.breathing_status));
        node.heart.push(t, num(vitals.heart_rate_bpm), str(vitals.heart_status));
      }
      const level = str(info.motion_level);
      node.motion.push(t, level !== null && has(MOTION_LEVELS, level) ? MOTION_LEVELS[level] : null);
      node.rssi.push(t, num(info.rssi_dbm));
      node.fps.push(t, num(info.frame_rate_hz));
    }
    // The server forgets a node after 60 s; so does the page.
    for (const [id, node] of state.nodes) {
      if (!listed.has(id)) {
        if (node.el) node.el.remove();
        state.nodes.delete(id);
      }
    }
    state.dirty = true;
  }

  // ---- WebSocket messages -----------------------------------------------------------------
  function handleMessage(text) {
    let message;
    try { message = JSON.parse(text); } catch (_) { state.badMessages += 1; return; }
    message = obj(message);
    if (message === null || str(message.type) === null) { state.badMessages += 1; return; }
    switch (message.type) {
      case 'sensing_update': onSensing(message); break;
      case 'edge_vitals': onEdgeVitals(message, 'device'); break;
      case 'edge_fused_vitals': onEdgeVitals(message, 'fused'); break;
      case 'wasm_event': break;
      case 'semantic_primitives': state.semantic = { at: nowS(), message }; state.dirty = true; break;
      default: {
        const count = state.unknownTypes.get(message.type);
        if (count !== undefined) state.unknownTypes.set(message.type, count + 1);
        else if (state.unknownTypes.size < MAX_UNKNOWN_TYPES) state.unknownTypes.set(message.type, 1);
      }
    }
  }

  function onSensing(message) {
    const source = str(message.source);
    if (source !== null) state.source = source;
    const kind = str(message.source_kind);
    if (kind !== null) state.feed = { kind, speed: num(message.replay_speed) };
    const c = obj(message.classification) || {};
    const vitals = obj(message.vital_signs);
    state.room = {
      presence: bool(c.presence),
      motion: str(c.motion_level),
      confidence: num(c.confidence),
      persons: num(message.estimated_persons),
      personsValid: bool(message.person_count_valid) === true,
      vitals,
      tick: num(message.tick),
      timestamp: num(message.timestamp),
    };
    // One chart point per half second of server time, whatever the update rate.
    const t = num(message.timestamp);
    if (t !== null && (t >= state.lastRoomT + 0.5 || t < state.lastRoomT)) {
      state.lastRoomT = t;
      const presence = bool(c.presence);
      state.roomSeries.presence.push(t, presence === null ? null : Number(presence));
      const level = str(c.motion_level);
      state.roomSeries.motion.push(t, level !== null && has(MOTION_LEVELS, level) ? MOTION_LEVELS[level] : null);
    }
    state.dirty = true;
  }

  function onEdgeVitals(message, kind) {
    const id = num(message.node_id);
    if (id === null) return;
    if (!state.edge.has(id) && state.edge.size >= 256) return;
    state.edge.set(id, { kind, at: nowS(), message });
    if (bool(message.fall_detected) === true) {
      addAlert('bad', 'Node ' + id + ': fall detected');
    }
    state.dirty = true;
  }

  function addAlert(level, text) {
    const last = state.alerts[state.alerts.length - 1];
    if (last && last.text === text && nowS() - last.at < 30) return;
    state.alerts.push({ level, text, at: nowS() });
    if (state.alerts.length > MAX_ALERTS) state.alerts.splice(0, state.alerts.length - MAX_ALERTS);
  }

  // ---- rendering ------------------------------------------------------------------------
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** A rate with its status label and confidence, into `el`. */
  function showRate(el, value, status, confidence, unit) {
    // Redrawn 4 times a second: rebuild the children only when what they show changes.
    const shown = [value, status, confidence, unit].join('|');
    if (el.dataset.shown === shown) return;
    el.dataset.shown = shown;
    el.replaceChildren();
    el.dataset.value = value === null ? '' : String(value);
    el.dataset.status = status || '';
    if (status === null && value === null) { el.append(element('span', 'num', '—')); return; }
    const label = status || 'VALID';
    el.append(element('span', 'num status-' + label, value === null ? '—' : value.toFixed(1) + ' ' + unit));
    el.append(element('span', 'status status-' + label, value === null ? 'no estimate' : label));
    if (confidence !== null) el.append(element('span', 'conf', 'conf ' + confidence.toFixed(2)));
  }

  function showHidden(el) {
    delete el.dataset.shown;
    el.replaceChildren(element('span', 'hidden-value', HIDDEN));
    el.dataset.value = '';
    el.dataset.status = 'hidden';
  }

  function renderBadge() {
    const badge = $('source-badge');
    const source = state.source;
    const feed = state.feed;
    let kind = 'unknown';
    let text = source === null ? 'source: waiting…' : 'source: ' + source;
    if (feed !== null) {
      if (feed.kind === 'mock') { kind = 'mock'; text = 'MOCK · synthetic frames'; }
      else if (feed.kind === 'simulated') { kind = 'simulated'; text = 'SIMULATED · synthetic data'; }
      else if (feed.kind === 'replay') {
        kind = 'replay';
        text = 'REPLAY' + (feed.speed !== null ? ' at ' + feed.speed + '×' : '') + ' · recorded data';
      } else if (feed.kind === 'esp32') { kind = 'esp32'; text = 'LIVE · ESP32'; }
      else { text = 'source: ' + feed.kind; }
    }
    if (source !== null && source.endsWith(':offline')) {
      kind = kind === 'esp32' ? 'offline' : kind;
      text += ' · OFFLINE (no datagrams)';
    }
    badge.dataset.kind = kind;
    setText(badge, text);
    $('privacy-badge').hidden = state.privacy !== true;
  }

  function renderConnection() {
    if (state.connection === 'disconnected') { showDisconnected(); return; }
    if (state.connection === 'live' || state.connection === 'stalled') {
      const silent = Date.now() - state.lastMessageMs;
      if (silent > STALL_MS) setConnection('stalled', 'connected · no updates for ' + Math.round(silent / 1000) + ' s');
      else if (state.connection !== 'live') setConnection('live', 'live');
    }
  }

  function renderRoom() {
    const room = state.room;
    const live = state.connection === 'live';
    setText($('room-presence'), room === null || room.presence === null ? '—' : room.presence ? 'present' : 'absent');
    setText($('room-motion'), room === null || room.motion === null ? '—' : room.motion.replace(/_/g, ' '));
    setText($('room-persons'), room === null || room.persons === null ? (room ? '0' : '—')
      : room.persons + (room.personsValid ? ' (counted)' : ' (estimate)'));
    setText($('room-confidence'), room === null ? '—' : fixed(room.confidence, 2));
    const age = room && room.timestamp !== null ? Math.max(0, nowS() - room.timestamp) : null;
    setText($('room-update'), room === null ? '—' : 'tick ' + room.tick + (age === null ? '' : ' · ' + age.toFixed(1) + ' s ago') + (live ? '' : ' (last received)'));
    for (const [id, key, statusKey, confKey] of [
      ['room-breathing', 'breathing_rate_bpm', 'breathing_status', 'breathing_confidence'],
      ['room-heart', 'heart_rate_bpm', 'heart_status', 'heartbeat_confidence'],
    ]) {
      const el = $(id);
      if (state.privacy === true) { showHidden(el); continue; }
      const v = room && room.vitals;
      if (!v) { showRate(el, null, null, null, 'BPM'); continue; }
      showRate(el, num(v[key]), str(v[statusKey]), num(v[confKey]), 'BPM');
    }
    drawChart($('room-chart'), [
      { series: state.roomSeries.presence, color: '#15803d', label: 'presence (0/1)' },
      { series: state.roomSeries.motion, color: '#1d4ed8', label: 'motion level (0 absent … 3 active)' },
    ], { min: 0, max: 3, maxGapS: 2 });
  }

  function renderDiagnostics() {
    const h = state.health;
    const processing = obj(h && h.processing) || {};
    setText($('diag-processing'), h === null ? '—' : (str(processing.state) || '—') +
      (num(processing.last_update_age_ms) !== null ? ' · last update ' + processing.last_update_age_ms + ' ms ago' : ''));
    setText($('diag-clients'), h === null || num(h.clients) === null ? '—' : String(h.clients));
    const packets = obj(processing.packets);
    setText($('diag-packets'), packets === null ? '—' : Object.keys(packets).length === 0 ? 'none'
      : Object.entries(packets).map(([k, v]) => k + ' ' + v).join(', '));
    const udp = obj(processing.udp);
    if (udp === null) {
      setText($('diag-dropped'), h === null ? '—' : 'no UDP receiver in this mode');
    } else {
      const parts = ['allowlist ' + (num(udp.dropped_by_allowlist) ?? '—'), 'malformed ' + (num(udp.malformed) ?? '—')];
      for (const [reason, count] of Object.entries(obj(udp.malformed_by_reason) || {})) parts.push('  ' + reason + ' ' + count);
      if (num(udp.kernel_drops) !== null) parts.push('kernel ' + udp.kernel_drops);
      setText($('diag-dropped'), parts.join(', '));
    }
  }

  function nodeElement(node) {
    if (node.el) return node.el;
    const el = element('section', 'node');
    el.id = 'node-' + node.id;
    el.dataset.node = String(node.id);
    const title = element('h2', '', 'Node ' + node.id);
    title.append(element('span', 'node-state', ''));
    el.append(title);
    const facts = element('dl', 'facts');
    for (const [field, label] of [
      ['breathing_bpm', 'Breathing'], ['heart_bpm', 'Heart'], ['signal_quality', 'Signal quality'],
      ['device_vitals', 'Device vitals'], ['motion', 'Motion'], ['frame_rate', 'Frame rate'],
      ['layout', 'Layout'], ['rssi', 'RSSI'], ['last_seen', 'Last seen'],
    ]) {
      facts.append(element('dt', '', label));
      const dd = element('dd', 'value');
      dd.dataset.field = field;
      facts.append(dd);
    }
    el.append(facts);
    const vitalsChart = element('canvas', 'chart vitals-chart');
    vitalsChart.setAttribute('aria-label', 'Breathing and heart rate over the last five minutes');
    const motionChart = element('canvas', 'chart');
    motionChart.setAttribute('aria-label', 'Motion level over the last five minutes');
    const linkChart = element('canvas', 'chart');
    linkChart.setAttribute('aria-label', 'Frame rate and RSSI over the last five minutes');
    el.append(vitalsChart, motionChart, linkChart);
    node.el = el;
    node.charts = { vitals: vitalsChart, motion: motionChart, link: linkChart };
    const list = $('nodes');
    const after = [...list.querySelectorAll('.node')].find((n) => Number(n.dataset.node) > node.id);
    list.insertBefore(el, after || null);
    return el;
  }

  function renderNode(node) {
    const el = nodeElement(node);
    const info = node.info || {};
    const field = (name) => el.querySelector('[data-field="' + name + '"]');
    const status = state.connection === 'live' ? str(info.status) || 'unknown' : 'disconnected';
    el.dataset.status = status === 'active' ? 'active' : status === 'stale' ? 'stale' : 'gone';
    setText(el.querySelector('.node-state'), status === 'active' ? 'active' : status === 'stale' ? 'STALE · no datagrams for 5 s' : 'not current');
    const vitals = obj(info.vital_signs);
    if (state.privacy === true) {
      showHidden(field('breathing_bpm'));
      showHidden(field('heart_bpm'));
    } else if (vitals === null) {
      for (const name of ['breathing_bpm', 'heart_bpm']) {
        const dd = field(name);
        delete dd.dataset.shown;
        dd.replaceChildren(element('span', 'none', 'no vitals pipeline for this node'));
        dd.dataset.value = '';
        dd.dataset.status = '';
      }
    } else {
      showRate(field('breathing_bpm'), num(vitals.breathing_rate_bpm), str(vitals.breathing_status), num(vitals.breathing_confidence), 'BPM');
      showRate(field('heart_bpm'), num(vitals.heart_rate_bpm), str(vitals.heart_status), num(vitals.heartbeat_confidence), 'BPM');
      if (vitals.spans_gap === true) addAlert('warn', 'Node ' + node.id + ': vitals window spans a gap in the frames');
    }
    setText(field('signal_quality'), state.privacy === true ? HIDDEN : vitals === null ? '—' : fixed(num(vitals.signal_quality), 2));
    const edge = state.edge.get(node.id);
    if (edge === undefined) setText(field('device_vitals'), 'none received');
    else if (state.privacy === true) setText(field('device_vitals'), HIDDEN);
    else {
      const m = edge.message;
      const rate = (x) => (num(x) === null ? 'no estimate' : num(x).toFixed(1));
      setText(field('device_vitals'), (edge.kind === 'fused' ? 'fused: ' : '') + 'breathing ' + rate(m.breathing_rate_bpm) +
        ' · heart ' + rate(m.heartrate_bpm) + ' BPM · ' + (nowS() - edge.at).toFixed(0) + ' s ago');
    }
    const level = str(info.motion_level);
    setText(field('motion'), (level === null ? '—' : level.replace(/_/g, ' ')) +
      (num(info.person_count) !== null ? ' · persons ' + info.person_count : ''));
    setText(field('frame_rate'), num(info.frame_rate_hz) === null ? '—' : info.frame_rate_hz.toFixed(1) + ' Hz');
    setText(field('layout'), num(info.subcarrier_count) === null ? '—' : info.subcarrier_count + ' subcarriers' +
      (num(info.vitals_rate_hz) !== null ? ' · vitals grid ' + info.vitals_rate_hz.toFixed(1) + ' Hz' : ''));
    setText(field('rssi'), num(info.rssi_dbm) === null ? '—' : info.rssi_dbm.toFixed(0) + ' dBm');
    setText(field('last_seen'), num(info.last_seen_ms) === null ? '—' : (info.last_seen_ms / 1000).toFixed(1) + ' s ago');
    if (state.privacy === true) {
      drawMessage(node.charts.vitals, 'vitals ' + HIDDEN);
    } else {
      drawChart(node.charts.vitals, [
        { series: node.breathing, color: '#0f766e', label: 'breathing BPM' },
        { series: node.heart, color: '#b91c1c', label: 'heart BPM' },
      ], { min: 0, max: 140, maxGapS: 3 });
    }
    drawChart(node.charts.motion, [
      { series: node.motion, color: '#1d4ed8', label: 'motion level (0 absent … 3 active)' },
    ], { min: 0, max: 3, maxGapS: 3 });
    drawChart(node.charts.link, [
      { series: node.fps, color: '#7c3aed', label: 'frame rate Hz' },
      { series: node.rssi, color: '#b45309', label: 'RSSI dBm + 100', offset: 100 },
    ], { min: 0, max: 100, maxGapS: 3 });
    if (status === 'stale') addAlert('warn', 'Node ' + node.id + ' is stale (no datagrams for 5 s)');
  }

  function renderAlerts() {
    const list = $('alerts');
    const items = [];
    if (state.connection === 'disconnected') items.push({ level: 'bad', text: 'Connection to the server lost' });
    if (state.source !== null && state.source.endsWith(':offline')) items.push({ level: 'bad', text: 'ESP32 source offline: no datagrams for 5 s' });
    for (const alert of state.alerts.slice().reverse()) {
      items.push({ level: alert.level, text: new Date(alert.at * 1000).toLocaleTimeString() + ' ' + alert.text });
    }
    list.replaceChildren(...(items.length === 0 ? [element('li', 'none', 'none')]
      : items.map((a) => element('li', a.level, a.text))));
  }

  /** One primitive's state in words; names and kinds the page does not know are shown as sent. */
  function primitiveText(p, warming) {
    if (bool(p.disabled) === true) return 'disabled';
    const since = num(p.since_s);
    const at = (t) => new Date(t * 1000).toLocaleTimeString();
    const on = bool(p.on);
    const score = num(p.score);
    let value = null;
    if (on !== null) value = on ? 'ON' : 'off';
    else if (score !== null) value = 'score ' + score;
    else if (str(p.kind) === 'event') {
      const last = num(p.last_event_s);
      return warming ? 'warming up' : last === null ? 'no event yet' : 'last at ' + at(last);
    }
    if (value === null) return warming ? 'warming up' : '—';
    return since === null ? value : value + ' since ' + at(since);
  }

  function renderSemantic() {
    const box = $('semantic');
    const s = state.semantic;
    const nodes = s === null ? [] : arr(obj(s.message) && s.message.nodes).map(obj).filter((n) => n !== null);
    $('semantic-none').hidden = nodes.length > 0;
    const blocks = nodes.slice(0, 256).map((n) => {
      const id = num(n.node_id);
      const room = str(n.room);
      const left = num(n.warm_up_remaining_s);
      const warming = left !== null && left > 0;
      const block = element('div', 'semantic-node');
      block.dataset.node = id === null ? 'room' : String(id);
      const title = (id === null ? 'Room' : 'Node ' + id) + (room === null ? '' : ' · ' + room);
      block.append(element('h3', '', title));
      const status = element('p', 'semantic-status', warming ? 'warming up, ' + Math.ceil(left) + ' s left'
        : left === null ? '—' : 'running');
      status.dataset.warming = String(warming);
      block.append(status);
      const list = element('ul', 'primitives');
      for (const p of arr(n.primitives).map(obj).filter((x) => x !== null).slice(0, 64)) {
        const name = str(p.name) || '?';
        const item = element('li', '');
        item.dataset.name = name;
        item.dataset.on = String(bool(p.on) === true);
        if (bool(p.disabled) === true) item.classList.add('disabled');
        item.append(element('span', 'name', name.replace(/_/g, ' ')), element('span', 'value', primitiveText(p, warming)));
        list.append(item);
      }
      block.append(list);
      return block;
    });
    box.replaceChildren(...blocks);
  }

  function render() {
    renderConnection();
    if (!state.dirty && state.connection === 'live') return;
    state.dirty = false;
    renderBadge();
    renderRoom();
    renderDiagnostics();
    $('no-nodes').hidden = state.nodes.size > 0;
    for (const node of state.nodes.values()) renderNode(node);
    renderAlerts();
    renderSemantic();
  }

  // ---- charts -----------------------------------------------------------------------------
  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
  }

  function drawMessage(canvas, text) {
    const { ctx, w, h } = fitCanvas(canvas);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#0f766e';
    ctx.font = 'italic 13px system-ui, sans-serif';
    ctx.fillText(text, 8, h / 2);
  }

  /**
   * Lines over the last WINDOW_S seconds. VALID points are joined by a solid line with
   * filled dots; DEGRADED ones by a dashed line with open circles; UNRELIABLE ones are grey
   * open squares with no line; missing values and gaps longer than maxGapS break the line.
   */
  function drawChart(canvas, lines, opts) {
    const { ctx, w, h } = fitCanvas(canvas);
    const pad = { l: 30, r: 6, t: 14, b: 14 };
    const plotW = w - pad.l - pad.r;
    const plotH = h - pad.t - pad.b;
    const end = nowS();
    const start = end - WINDOW_S;
    const x = (t) => pad.l + ((t - start) / WINDOW_S) * plotW;
    const y = (v) => pad.t + plotH - ((Math.min(Math.max(v, opts.min), opts.max) - opts.min) / (opts.max - opts.min)) * plotH;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#fafafa';
    ctx.fillRect(pad.l, pad.t, plotW, plotH);
    ctx.strokeStyle = '#d8dce3';
    ctx.lineWidth = 1;
    ctx.fillStyle = '#6b7280';
    ctx.font = '10px system-ui, sans-serif';
    for (const v of [opts.min, (opts.min + opts.max) / 2, opts.max]) {
      ctx.beginPath(); ctx.moveTo(pad.l, y(v)); ctx.lineTo(pad.l + plotW, y(v)); ctx.stroke();
      ctx.fillText(String(v), 2, y(v) + 3);
    }
    ctx.fillText('−5 min', pad.l, h - 2);
    ctx.fillText('now', pad.l + plotW - 18, h - 2);
    let legendX = pad.l;
    for (const line of lines) {
      const offset = line.offset || 0;
      const pts = line.series.points.filter((p) => p.t >= start);
      let prev = null;
      for (const p of pts) {
        const usable = p.v !== null && p.s !== 'UNAVAILABLE';
        if (usable && prev !== null && p.t - prev.t <= opts.maxGapS && p.s !== 'UNRELIABLE' && prev.s !== 'UNRELIABLE') {
          ctx.strokeStyle = line.color;
          ctx.lineWidth = 1.5;
          ctx.setLineDash(p.s === 'VALID' && prev.s === 'VALID' ? [] : [4, 3]);
          ctx.beginPath(); ctx.moveTo(x(prev.t), y(prev.v + offset)); ctx.lineTo(x(p.t), y(p.v + offset)); ctx.stroke();
        }
        prev = usable ? p : null;
      }
      ctx.setLineDash([]);
      for (const p of pts) {
        if (p.v === null || p.s === 'UNAVAILABLE') continue;
        const px = x(p.t); const py = y(p.v + offset);
        if (p.s === 'VALID') {
          if (pts.length < 120) { ctx.fillStyle = line.color; ctx.beginPath(); ctx.arc(px, py, 1.8, 0, 2 * Math.PI); ctx.fill(); }
        } else if (p.s === 'DEGRADED') {
          ctx.strokeStyle = line.color; ctx.lineWidth = 1; ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI); ctx.stroke();
        } else {
          ctx.strokeStyle = '#9ca3af'; ctx.lineWidth = 1; ctx.strokeRect(px - 2.5, py - 2.5, 5, 5);
        }
      }
      ctx.fillStyle = line.color;
      ctx.fillText(line.label, legendX, 10);
      legendX += ctx.measureText(line.label).width + 12;
    }
  }

  // ---- start --------------------------------------------------------------------------------
  function debug() {
    const sizes = { roomPresence: state.roomSeries.presence.length, roomMotion: state.roomSeries.motion.length };
    for (const node of state.nodes.values()) {
      sizes['node' + node.id] = Math.max(node.breathing.length, node.heart.length, node.motion.length, node.rssi.length, node.fps.length);
    }
    return {
      loadId: state.loadId,
      connection: state.connection,
      socketUsedTicket: state.socketUsedTicket,
      badMessages: state.badMessages,
      unknownTypes: Object.fromEntries(state.unknownTypes),
      alerts: state.alerts.length,
      maxPoints: MAX_POINTS,
      maxAlerts: MAX_ALERTS,
      maxUnknownTypes: MAX_UNKNOWN_TYPES,
      sizes,
    };
  }

  window.wdpDashboard = Object.freeze({ handleMessage, debug });
  $('auth-form').addEventListener('submit', onTokenSubmitted);
  window.setInterval(render, RENDER_MS);
  connect();
}());
