/* global document */
// Draws the status into the page and keeps it current: rows are made once per listener and
// backend and then only their text changes, so focus, a half-typed weight or an open pool
// choice survive the updates that arrive every second.
import { createSparkline, drawSparkline } from './charts.js';
import { DASH, fmtAddress, fmtDuration, fmtInt, fmtMs, fmtPercent, fmtRate } from './format.js';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

let ids = 0;
/** A unique element id (names may hold any character). */
function domId(...parts) {
  return `${parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_')}-${++ids}`;
}

function cell(field, cls = '') {
  return el('td', { 'data-field': field, class: cls });
}

function set(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function badge(text, kind, field) {
  return el('span', { class: `badge ${kind}`, text, ...(field ? { 'data-field': field } : {}) });
}

function setLatency(cells, latency) {
  set(cells.p50, fmtMs(latency?.p50));
  set(cells.p95, fmtMs(latency?.p95));
  set(cells.p99, fmtMs(latency?.p99));
}

/**
 * `actions`: setState(pool, backend, state), setWeight(pool, backend, weight),
 * switchPool(listener, pool) — each asks for confirmation and calls the API.
 * `history`: a RateHistory for the charts and the rates of TCP traffic.
 */
export function createView({ listenersBody, poolsBox, meta, actions, history }) {
  const listenerRows = new Map();
  const poolViews = new Map();

  function listenerRow(l) {
    const c = {
      name: el('th', { scope: 'row' }),
      address: cell('address'),
      activePool: cell('activePool'),
      conns: cell('activeConnections', 'num'),
      accepted: cell('acceptedConnections', 'num'),
      rate: cell('rate', 'num'),
      errors: cell('errorRate', 'num'),
      p50: cell('p50', 'num'),
      p95: cell('p95', 'num'),
      p99: cell('p99', 'num'),
      switcher: cell('switch'),
    };
    const tr = el('tr', { 'data-listener': l.name }, ...Object.values(c));
    const row = { tr, c, pools: '' };
    listenerRows.set(l.name, row);
    return row;
  }

  function updateSwitcher(row, l) {
    const key = l.pools.join('\n');
    if (row.pools === key) {
      const select = row.select;
      if (select && document.activeElement !== select && !select.dataset.touched) select.value = l.activePool ?? '';
      return;
    }
    row.pools = key;
    row.c.switcher.replaceChildren();
    row.select = undefined;
    if (l.pools.length < 2) {
      row.c.switcher.textContent = DASH;
      return;
    }
    const id = domId('switch', l.name);
    const select = el('select', { id }, ...l.pools.map((p) => el('option', { value: p, text: p })));
    select.value = l.activePool ?? '';
    select.addEventListener('change', () => (select.dataset.touched = '1'));
    const label = el('label', { for: id, class: 'visually-hidden', text: `Pool for listener ${l.name}` });
    const button = el('button', { type: 'button', text: 'Switch', 'aria-label': `Switch listener ${l.name} to the chosen pool` });
    button.addEventListener('click', () => {
      delete select.dataset.touched;
      actions.switchPool(l.name, select.value);
    });
    row.select = select;
    row.c.switcher.append(el('span', { class: 'actions' }, label, select, button));
  }

  function updateListener(l, atMs) {
    const row = listenerRows.get(l.name) ?? listenerRow(l);
    const { c } = row;
    if (c.name.childNodes.length === 0) c.name.append(el('span', { text: l.name }), el('span', { class: 'sub', text: l.protocol }));
    set(c.address, l.addresses.map(fmtAddress).join(', ') || DASH);
    set(c.activePool, l.activePool ?? 'routes');
    set(c.conns, fmtInt(l.activeConnections));
    set(c.accepted, fmtInt(l.acceptedConnections));
    const r = l.requests;
    const connRate = history.sample(`l\0${l.name}`, r ? r.requests : l.acceptedConnections, atMs);
    set(c.rate, r ? fmtRate(r.rps, 'req/s') : fmtRate(connRate, 'conn/s'));
    set(c.errors, r ? fmtPercent(r.errorRate) : DASH);
    setLatency(c, r?.latencyMs);
    updateSwitcher(row, l);
    return row.tr;
  }

  function poolView(p) {
    const heading = el('h3', { text: p.name });
    const info = el('span');
    const panic = el('span', { class: 'panic', text: ' · PANIC: every ready backend gets traffic' });
    const tbody = el('tbody');
    const head = el(
      'tr',
      {},
      ...['Backend', 'State', 'Weight', 'Conns', 'Rate', 'Errors', 'p50', 'p95', 'p99', 'Total', 'Traffic', 'Actions'].map((h, i) =>
        el('th', { scope: 'col', class: i >= 2 && i <= 9 ? 'num' : '', text: h }),
      ),
    );
    const table = el('table', { 'aria-label': `Backends of pool ${p.name}` }, el('thead', {}, head), tbody);
    const section = el('section', { class: 'pool', 'data-pool': p.name }, el('div', { class: 'pool-head' }, heading, el('p', {}, info, panic)), el('div', { class: 'scroll' }, table));
    const view = { section, info, panic, tbody, rows: new Map() };
    poolViews.set(p.name, view);
    return view;
  }

  function backendRow(pool, b) {
    const c = {
      name: el('th', { scope: 'row' }),
      state: cell('state'),
      weight: cell('weight', 'num'),
      conns: cell('activeConnections', 'num'),
      rate: cell('rate', 'num'),
      errors: cell('errorRate', 'num'),
      p50: cell('p50', 'num'),
      p95: cell('p95', 'num'),
      p99: cell('p99', 'num'),
      count: cell('count', 'num'),
      chart: cell('traffic'),
      actions: el('td'),
    };
    const spark = createSparkline(`Traffic of ${b.name}`);
    c.chart.append(spark);
    const who = `${b.name} in pool ${pool}`;
    const buttons = {};
    for (const [state, label] of [['drain', 'Drain'], ['ready', 'Ready'], ['maint', 'Maint']]) {
      const button = el('button', { type: 'button', text: label, 'data-action': state, 'aria-label': `${label} ${who}` });
      button.addEventListener('click', () => actions.setState(pool, b.name, state));
      buttons[state] = button;
    }
    const weightId = domId('weight', pool, b.id);
    const weight = el('input', { id: weightId, type: 'number', min: '0', max: '1000', step: '1', value: String(b.weight), 'data-field': 'weightInput' });
    weight.addEventListener('input', () => (weight.dataset.touched = '1'));
    const setWeight = el('button', { type: 'button', text: 'Set', 'data-action': 'weight', 'aria-label': `Set the weight of ${who}` });
    const submitWeight = () => {
      delete weight.dataset.touched;
      actions.setWeight(pool, b.name, weight.value);
    };
    setWeight.addEventListener('click', submitWeight);
    weight.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter') return;
      // Or the key's press would land on the confirmation dialog's first button.
      ev.preventDefault();
      submitWeight();
    });
    c.actions.append(
      el('span', { class: 'actions' }, buttons.drain, buttons.ready, buttons.maint, el('span', { class: 'sep' }), el('label', { for: weightId, class: 'visually-hidden', text: `Weight of ${who}` }), weight, setWeight),
    );
    const tr = el('tr', { 'data-backend': b.name, 'data-backend-id': b.id }, ...Object.values(c));
    return { tr, c, spark, buttons, weight };
  }

  function updateBackend(view, pool, b, atMs) {
    let row = view.rows.get(b.id);
    if (row === undefined) {
      row = backendRow(pool, b);
      view.rows.set(b.id, row);
    }
    const { c } = row;
    if (c.name.childNodes.length === 0) c.name.append(el('span', { text: b.name }), ...(b.name === b.address ? [] : [el('span', { class: 'sub', text: b.address })]));
    const badges = [badge(b.adminState, b.adminState === 'ready' ? 'good' : 'warn', 'adminState'), badge(b.health, b.health === 'up' ? 'good' : 'bad', 'health')];
    if (b.ejected) badges.push(badge(`ejected${b.ejectedForMs === null ? '' : ` ${fmtDuration(b.ejectedForMs)}`}`, 'bad', 'ejected'));
    badges.push(badge(b.eligible ? 'eligible' : 'not eligible', b.eligible ? 'good' : 'muted', 'eligible'));
    const stateKey = badges.map((x) => x.textContent).join('|');
    if (c.state.dataset.key !== stateKey) {
      c.state.dataset.key = stateKey;
      c.state.replaceChildren(...badges);
    }
    c.state.title = b.downCause ?? '';
    row.tr.dataset.state = b.adminState;
    set(c.weight, b.effectiveWeight === b.weight ? String(b.weight) : `${b.effectiveWeight} / ${b.weight}`);
    if (document.activeElement !== row.weight && !row.weight.dataset.touched) row.weight.value = String(b.weight);
    set(c.conns, fmtInt(b.activeConnections));
    const r = b.requests;
    const count = r ? r.requests : b.totals.connections;
    const rate = history.sample(`b\0${pool}\0${b.id}`, count, atMs);
    const unit = r ? 'req/s' : 'conn/s';
    set(c.rate, r ? fmtRate(r.rps, unit) : fmtRate(rate, unit));
    set(c.errors, r ? fmtPercent(r.errorRate) : DASH);
    setLatency(c, r?.latencyMs);
    set(c.count, fmtInt(count));
    c.count.dataset.value = String(count);
    drawSparkline(row.spark, history.rates(`b\0${pool}\0${b.id}`), unit, `Traffic of ${b.name}`);
    for (const [state, button] of Object.entries(row.buttons)) button.disabled = b.adminState === state;
    return row.tr;
  }

  function updatePool(p, atMs) {
    const view = poolViews.get(p.name) ?? poolView(p);
    set(view.info, `${p.policy} · ${p.eligibleBackends} of ${p.backends.length} eligible`);
    view.panic.hidden = !p.panic;
    const seen = new Set();
    p.backends.forEach((b, i) => {
      seen.add(b.id);
      const tr = updateBackend(view, p.name, b, atMs);
      if (view.tbody.children[i] !== tr) view.tbody.insertBefore(tr, view.tbody.children[i] ?? null);
    });
    for (const [id, row] of view.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        view.rows.delete(id);
      }
    }
    return view.section;
  }

  function place(container, nodes) {
    nodes.forEach((node, i) => {
      if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
    });
    while (container.children.length > nodes.length) container.lastElementChild.remove();
  }

  return {
    render(s) {
      const atMs = s.uptimeMs;
      const node = s.node ? ` · Node ${s.node}` : '';
      set(meta, `v${s.version ?? '?'}${node} · pid ${s.pid ?? '?'} · ${s.state} · up ${fmtDuration(s.uptimeMs)}${s.configFile ? ` · ${s.configFile}${s.configWatchMs == null ? '' : ' (watched)'}` : ''}`);
      place(listenersBody, s.listeners.map((l) => updateListener(l, atMs)));
      for (const name of [...listenerRows.keys()]) if (!s.listeners.some((l) => l.name === name)) listenerRows.delete(name);
      place(poolsBox, s.pools.map((p) => updatePool(p, atMs)));
      for (const name of [...poolViews.keys()]) if (!s.pools.some((p) => p.name === name)) poolViews.delete(name);
      const keep = new Set([...s.listeners.map((l) => `l\0${l.name}`), ...s.pools.flatMap((p) => p.backends.map((b) => `b\0${p.name}\0${b.id}`))]);
      history.prune(keep);
    },
  };
}
