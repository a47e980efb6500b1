// API keys (admin): list (name, created, last used, scheduled revocation), create (the secret shown once),
// rotate (the new secret shown once), revoke.
import { api } from './api.js';
import { h, card, empty, problem, fill } from './dom.js';

export const title = 'Keys';

// An ISO 8601 time of the API as `2026-12-01 10:00:00Z`; a dash for none.
function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

export async function render(main, _route, context) {
  main.append(h('h1', { text: 'API keys' }));
  if (!context.isAdmin) {
    main.append(empty(`Keys are seen and managed with an admin key; this one has the '${context.session.scope}' scope.`));
    return;
  }
  const listBox = h('div', { id: 'key-list' });
  const created = h('div', { id: 'key-created', role: 'status', 'aria-live': 'polite' });
  const scope = h('select', { id: 'new-key-scope', name: 'scope' }, ['read', 'write', 'admin'].map((name) => h('option', { value: name, text: name })));
  const name = h('input', { id: 'new-key-name', name: 'name', maxlength: '100', placeholder: 'optional, such as billing-service' });

  // The secret of a new key, shown once, with a button that copies it.
  function showSecret(message, key) {
    const secret = h('input', { id: 'new-key-secret', class: 'mono secret', readonly: true, value: key, 'aria-label': 'The new key' });
    fill(created,
      h('p', { class: 'ok', text: `${message} Copy it now: it is shown only this once.` }),
      h('div', { class: 'row' }, secret, h('button', { type: 'button', on: { click: () => navigator.clipboard.writeText(key) } }, 'Copy'))
    );
    secret.select();
  }

  main.append(
    card('Keys', listBox),
    h(
      'div',
      { class: 'grid' },
      card(
        'Create a key',
        h(
          'form',
          {
            class: 'row',
            on: {
              submit: async (event) => {
                event.preventDefault();
                try {
                  const body = { scope: scope.value };
                  if (name.value.trim()) body.name = name.value;
                  const answer = await api('/_keys', { method: 'POST', body, signal: context.signal });
                  showSecret(`Key ${answer.id}${answer.name ? ` “${answer.name}”` : ''} (${answer.scope}) created.`, answer.key);
                  name.value = '';
                  await refresh();
                } catch (error) {
                  if (error.name !== 'AbortError') fill(created, problem(error));
                }
              },
            },
          },
          h('label', { for: 'new-key-name', text: 'Name' }),
          name,
          h('label', { for: 'new-key-scope', text: 'Scope' }),
          scope,
          h('button', { type: 'submit', id: 'create-key' }, 'Create')
        ),
        created,
        h('p', { class: 'muted', text: 'Rotate replaces a key by a new one with the same name and scope, and revokes the old one at once: move its clients to the new key. Last use is kept to the minute.' })
      )
    )
  );

  async function refresh() {
    const answer = await api('/_keys', { signal: context.signal });
    if (!answer.keys.length) {
      fill(listBox, empty('No keys: the server is open to local clients. Create an admin key first.'));
      return;
    }
    const headings = ['Id', 'Name', 'Scope', 'Created', 'Last used', ''];
    fill(listBox,
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, headings.map((text) => h('th', { text })))),
        h(
          'tbody',
          {},
          answer.keys.map((key) => {
            const cell = h('td');
            actions(cell, key);
            const last = h('td', { class: 'key-last-used', text: when(key.last_used_at) });
            if (key.revoke_at) last.append(h('div', { class: 'muted key-revoke-at', text: `revoked at ${when(key.revoke_at)}` }));
            return h(
              'tr',
              { 'data-key-id': key.id },
              h('td', { class: 'mono', text: key.id }),
              h('td', { class: 'key-name', text: key.name || '—' }),
              h('td', { text: key.scope }),
              h('td', { class: 'key-created', text: when(key.created_at) }),
              last,
              cell
            );
          })
        )
      )
    );
  }

  function actions(cell, key) {
    fill(cell,
      h('button', { type: 'button', 'data-rotate': key.id, on: { click: () => confirm(cell, key, 'rotate') } }, 'Rotate…'),
      h('button', { type: 'button', class: 'danger', 'data-revoke': key.id, on: { click: () => confirm(cell, key, 'revoke') } }, 'Revoke…')
    );
  }

  function confirm(cell, key, action) {
    const rotate = action === 'rotate';
    fill(cell,
      h('span', { text: rotate ? 'Replace by a new key? ' : 'Revoke for good? ' }),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-confirm': action,
          on: {
            click: async () => {
              try {
                if (rotate) {
                  const answer = await api(`/_keys/${key.id}/rotate`, { method: 'POST', signal: context.signal });
                  showSecret(`Key ${answer.id} (${answer.scope}) replaces ${key.id}, now revoked.`, answer.key);
                } else {
                  await api(`/_keys/${key.id}`, { method: 'DELETE', signal: context.signal });
                }
                await refresh();
              } catch (error) {
                if (error.name !== 'AbortError') fill(cell, problem(error));
              }
            },
          },
        },
        rotate ? 'Rotate' : 'Revoke'
      ),
      h('button', { type: 'button', on: { click: () => actions(cell, key) } }, 'Cancel')
    );
  }

  await refresh();
}
