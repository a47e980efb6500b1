// The console's shell: the key, the scope it has, and the hash routes, each page its own module.
import { api, storedKey, storeKey } from './api.js';
import { h, problem, fill } from './dom.js';
import * as overview from './overview.js';
import * as log from './log.js';
import * as aggregate from './aggregate.js';
import * as spec from './spec.js';
import * as consumers from './consumers.js';
import * as keys from './keys.js';

const pages = { '': overview, log, aggregate, spec, consumers, keys };
const main = document.getElementById('main');
const sessionBox = document.getElementById('session');

/// The scope of the key in use, from `GET /_whoami`: `{scope, open, key_id}`, or null before it is known.
let session = null;
let leaving = [];
let controller = null;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const segments = path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  const name = segments[0] in pages && segments[0] !== '' ? segments[0] : segments.length === 0 ? '' : null;
  return { name, segments: segments.slice(1), query: new URLSearchParams(query) };
}

function leave() {
  if (controller) controller.abort();
  controller = new AbortController();
  for (const action of leaving) {
    try {
      action();
    } catch {
      // A page's clean-up failing must not stop the next page.
    }
  }
  leaving = [];
}

async function show() {
  leave();
  const { name, segments, query } = route();
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.page === (name === '' ? 'overview' : name)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (name === null) {
    fill(main, problem({ status: 404, message: `The console has no page '${location.hash}'.` }));
    return;
  }
  if (!session) {
    const ready = await loadSession();
    if (!ready) return;
  }
  const page = pages[name];
  const signal = controller.signal;
  const context = {
    session,
    isAdmin: session.scope === 'admin',
    signal,
    onLeave: (action) => leaving.push(action),
    show: () => show(),
    /// Runs `load`; on failure, replaces the page with the problem and a Retry button.
    guard: async (load) => {
      try {
        await load();
      } catch (error) {
        if (signal.aborted || error.name === 'AbortError') return;
        if (error.status === 401) {
          // The key was revoked or the server's keys changed: ask for a key again.
          session = null;
          show();
          return;
        }
        fill(main, problem(error, () => show()));
      }
    },
  };
  fill(main);
  document.title = `${page.title} · Evident console`;
  await context.guard(() => page.render(main, { segments, query }, context));
}

/// Asks the server which scope the key has; on 401 asks for a key, on no answer offers a retry.
async function loadSession() {
  try {
    session = await api('/_whoami');
    renderSession();
    return true;
  } catch (error) {
    session = null;
    renderSession(error);
    if (error.status === 401) fill(main, keyForm(error.message));
    else fill(main, problem(error, () => show()));
    return false;
  }
}

function keyForm(message) {
  const input = h('input', {
    type: 'password',
    id: 'key-input',
    name: 'key',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'evk_…',
    'aria-describedby': 'key-help',
  });
  const form = h(
    'form',
    {
      class: 'key-form card',
      on: {
        submit: (event) => {
          event.preventDefault();
          storeKey(input.value.trim());
          session = null;
          show();
        },
      },
    },
    h('h2', { text: 'An API key is needed' }),
    h('p', { id: 'key-help', text: `${message} The key stays in this tab only (session storage), and is sent with every call the console makes.` }),
    h('label', { for: 'key-input', text: 'API key' }),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', id: 'key-submit' }, 'Use this key'))
  );
  requestAnimationFrame(() => input.focus());
  return form;
}

function renderSession(error) {
  if (!session) {
    fill(sessionBox, h('span', { class: 'badge bad', text: error && error.status === 0 ? 'server gone' : 'no key' }));
    return;
  }
  const label = session.open ? 'open (no keys exist)' : `${session.scope} key ${session.key_id || ''}`.trim();
  fill(sessionBox, 
    h('span', { class: `badge scope-${session.scope}`, id: 'scope', text: label }),
    storedKey()
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            id: 'forget-key',
            on: {
              click: () => {
                storeKey('');
                session = null;
                show();
              },
            },
          },
          'Forget key'
        )
      : null
  );
}

window.addEventListener('hashchange', () => {
  show();
  main.focus({ preventScroll: true });
});
document.addEventListener('keydown', (event) => {
  if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName)) {
    const search = document.querySelector('[data-search]');
    if (search) {
      event.preventDefault();
      search.focus();
    }
  }
});
show();
