/* global document */
// The dashboard page: asks for the token when the admin API wants one, follows the status
// stream, and turns each action into a confirmed REST call whose refusal is shown as the API
// worded it.
import { callApi, followStatus, getToken, routes, setToken } from './api.js';
import { RateHistory } from './charts.js';
import { createView } from './render.js';

const $ = (id) => document.getElementById(id);

const history = new RateHistory();
let stream;
let noticeTimer;

function setLive(text, ok) {
  const live = $('live');
  live.textContent = text;
  live.className = `live ${ok ? 'ok' : 'bad'}`;
}

function showNotice(kind, text) {
  clearTimeout(noticeTimer);
  const box = $('notice');
  box.className = `notice ${kind}`;
  $('notice-text').textContent = text;
  box.hidden = false;
  if (kind === 'ok') noticeTimer = setTimeout(() => (box.hidden = true), 6000);
}

function askToken(message) {
  stream?.stop();
  stream = undefined;
  setLive('not connected', false);
  $('content').hidden = true;
  $('login').hidden = false;
  $('signout').hidden = true;
  $('login-error').textContent = message;
  const input = $('token');
  input.value = '';
  input.focus();
}

function start() {
  $('login').hidden = true;
  $('signout').hidden = getToken() === '';
  stream?.stop();
  history.clear();
  stream = followStatus({
    status: (s) => {
      $('content').hidden = false;
      view.render(s);
    },
    state: setLive,
    unauthorized: () => {
      const had = getToken() !== '';
      setToken('');
      askToken(had ? 'That token was refused. Enter it again.' : 'This admin server needs a token.');
    },
  });
}

/** Asks in the page's dialog; resolves true when confirmed. */
function confirmAction(text, okLabel) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

async function run(what, confirmText, okLabel, [method, path, params]) {
  if (!(await confirmAction(confirmText, okLabel))) return;
  const result = await callApi(method, path, params);
  if (result.ok) {
    const answer = result.body?.result ?? result.body;
    const plan = typeof answer?.plan === 'string' && answer.plan ? `\n${answer.plan}` : '';
    showNotice('ok', `${what}: done.${plan}`);
    return;
  }
  if (result.status === 401) {
    setToken('');
    askToken(`${what} was refused: the token is no longer accepted. Enter it again.`);
    return;
  }
  showNotice('error', `${what} refused: ${result.message}`);
}

const STATE_WORDS = {
  drain: ['Drain', 'It gets no new connections or requests; open ones finish.'],
  ready: ['Make ready', 'It goes back into rotation.'],
  maint: ['Maintenance', 'It leaves rotation and is no longer probed.'],
};

const actions = {
  setState(pool, backend, state) {
    const [verb, effect] = STATE_WORDS[state];
    void run(`${verb} ${backend}`, `${verb} backend ${backend} of pool ${pool}? ${effect}`, verb, routes.backendState(pool, backend, state));
  },
  setWeight(pool, backend, value) {
    const weight = Number(value);
    if (value === '' || !Number.isInteger(weight) || weight < 0 || weight > 1000) {
      showNotice('error', `The weight of ${backend} must be a whole number from 0 to 1000, got "${value}".`);
      return;
    }
    void run(`Weight of ${backend}`, `Set the weight of backend ${backend} of pool ${pool} to ${weight}?`, 'Set weight', routes.backendWeight(pool, backend, weight));
  },
  switchPool(listener, pool) {
    void run(`Switch ${listener}`, `Send the new connections and requests of listener ${listener} to pool ${pool}?`, 'Switch', routes.activePool(listener, pool));
  },
};

const view = createView({ listenersBody: document.querySelector('#listeners tbody'), poolsBox: $('pools'), meta: $('meta'), actions, history });

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('token').value.trim();
  if (token === '') return;
  setToken(token);
  $('token').value = '';
  start();
});
$('signout').addEventListener('click', () => {
  setToken('');
  askToken('');
});
$('notice-close').addEventListener('click', () => ($('notice').hidden = true));

start();
