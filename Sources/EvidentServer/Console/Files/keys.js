// API keys (admin): list, create (the secret shown once), revoke.
import { api } from './api.js';
import { h, card, empty, problem, fill } from './dom.js';

export const title = 'Keys';

export async function render(main, _route, context) {
  main.append(h('h1', { text: 'API keys' }));
  if (!context.isAdmin) {
    main.append(empty(`Keys are seen and managed with an admin key; this one has the '${context.session.scope}' scope.`));
    return;
  }
  const listBox = h('div', { id: 'key-list' });
  const created = h('div', { id: 'key-created', role: 'status', 'aria-live': 'polite' });
  const scope = h('select', { id: 'new-key-scope', name: 'scope' }, ['read', 'write', 'admin'].map((name) => h('option', { value: name, text: name })));
  main.append(
    h(
      'div',
      { class: 'grid' },
      card('Keys', listBox),
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
                  const answer = await api('/_keys', { method: 'POST', body: { scope: scope.value }, signal: context.signal });
                  const secret = h('input', { id: 'new-key-secret', class: 'mono secret', readonly: true, value: answer.key, 'aria-label': 'The new key' });
                  fill(created, 
                    h('p', { class: 'ok', text: `Key ${answer.id} (${answer.scope}) created. Copy it now: it is shown only this once.` }),
                    h('div', { class: 'row' }, secret, h('button', { type: 'button', on: { click: () => navigator.clipboard.writeText(answer.key) } }, 'Copy'))
                  );
                  secret.select();
                  await refresh();
                } catch (error) {
                  if (error.name !== 'AbortError') fill(created, problem(error));
                }
              },
            },
          },
          h('label', { for: 'new-key-scope', text: 'Scope' }),
          scope,
          h('button', { type: 'submit', id: 'create-key' }, 'Create')
        ),
        created,
        h('p', { class: 'muted', text: 'To rotate a key: create the new one, move its clients, then revoke the old one. (A rotate route is not in the API yet.)' })
      )
    )
  );

  async function refresh() {
    const answer = await api('/_keys', { signal: context.signal });
    if (!answer.keys.length) {
      fill(listBox, empty('No keys: the server is open to local clients. Create an admin key first.'));
      return;
    }
    fill(listBox, 
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Id' }), h('th', { text: 'Scope' }), h('th', { text: '' }))),
        h(
          'tbody',
          {},
          answer.keys.map((key) => {
            const cell = h('td');
            const revoke = h('button', { type: 'button', class: 'danger', 'data-revoke': key.id, on: { click: () => confirm(cell, key) } }, 'Revoke…');
            cell.append(revoke);
            return h('tr', { 'data-key-id': key.id }, h('td', { class: 'mono', text: key.id }), h('td', { text: key.scope }), cell);
          })
        )
      )
    );
  }

  function confirm(cell, key) {
    fill(cell, 
      h('span', { text: 'Revoke for good? ' }),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          on: {
            click: async () => {
              try {
                await api(`/_keys/${key.id}`, { method: 'DELETE', signal: context.signal });
                await refresh();
              } catch (error) {
                if (error.name !== 'AbortError') fill(cell, problem(error));
              }
            },
          },
        },
        'Revoke'
      ),
      h('button', { type: 'button', on: { click: () => refresh() } }, 'Cancel')
    );
  }

  await refresh();
}
