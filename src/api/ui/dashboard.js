// Routeswit dashboard: reads the public API with the key the user pastes; nothing here is privileged.
// API data is only ever written as text (textContent), never as HTML.
(function () {
  'use strict';
  const STORE = 'routeswit.key';
  const WINDOWS = { '24h': [24 * 3600e3, 'hour'], '7d': [7 * 24 * 3600e3, 'hour'], '30d': [30 * 24 * 3600e3, 'day'] };
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let refreshTimer;

  $('key').value = localStorage.getItem(STORE) || sessionStorage.getItem(STORE) || '';
  $('remember').checked = Boolean(localStorage.getItem(STORE));

  function say(text, isError) {
    $('status').textContent = text;
    $('status').className = isError ? 'status error' : 'status';
  }

  // Signed in to the console (/console): the session cookie instead of a key, its CSRF token on changes.
  let csrf = null;

  async function api(path, body) {
    const key = $('key').value.trim();
    const headers = key || !csrf ? { Authorization: `Bearer ${key}`, Accept: 'application/json' } : { Accept: 'application/json', 'X-CSRF-Token': csrf };
    const init = body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(path, init);
    const answer = await res.json().catch(() => null);
    if (!res.ok) {
      const e = answer && answer.error;
      throw new Error(e ? `${res.status} ${e.code}: ${e.message}` : `${res.status} from ${path}`);
    }
    return answer;
  }

  const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
  const fmtPct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60e3) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3600e3) return `${(ms / 60e3).toFixed(1)} min`;
    return `${(ms / 3600e3).toFixed(1)} h`;
  }
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

  function tiles(s) {
    const items = [
      ['Received', fmtInt(s.leads.received)],
      ['Assigned', fmtInt(s.leads.assigned)],
      ['Unassigned', fmtInt(s.leads.unassigned)],
      ['Contacted', fmtInt(s.leads.contacted)],
      ['SLA met rate', fmtPct(s.sla.rate)],
      ['SLA breached', fmtInt(s.sla.breached)],
      ['Assignment p50 / p90', `${fmtMs(s.time_to_assignment_ms.p50)} / ${fmtMs(s.time_to_assignment_ms.p90)}`],
      ['First touch p50 / p90', `${fmtMs(s.time_to_first_touch_ms.p50)} / ${fmtMs(s.time_to_first_touch_ms.p90)}`],
      ['Reassignments', fmtInt(s.reassignments)],
    ];
    $('tiles').replaceChildren(
      ...items.map(([label, value]) => {
        const tile = document.createElement('div');
        tile.className = 'tile';
        tile.dataset.metric = label;
        const v = document.createElement('div');
        v.className = 'value';
        v.textContent = value;
        const l = document.createElement('div');
        l.className = 'label';
        l.textContent = label;
        tile.append(v, l);
        return tile;
      }),
    );
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), config);
  }

  function fillTable(id, rows, empty) {
    const body = $(id).querySelector('tbody');
    if (!rows.length) {
      const td = document.createElement('td');
      td.colSpan = $(id).querySelectorAll('th').length;
      td.className = 'empty';
      td.textContent = empty;
      const tr = document.createElement('tr');
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement('tr');
        for (const cell of cells) {
          const td = document.createElement('td');
          if (cell instanceof Node) td.append(cell);
          else td.textContent = cell;
          tr.append(td);
        }
        return tr;
      }),
    );
  }

  function workflowLink(url) {
    if (!/^https?:\/\//.test(url)) return '–';
    const a = document.createElement('a');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = 'Temporal Web UI';
    return a;
  }

  function viewButton(id) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'View';
    b.addEventListener('click', () => showMessage(id).catch((err) => say(err.message, true)));
    return b;
  }

  // The email's HTML goes into a sandboxed frame (no scripts, no access to this page), never into the page.
  async function showMessage(id) {
    const n = await api(`/v1/notifications/${encodeURIComponent(id)}`);
    $('message').hidden = false;
    $('message-subject').textContent = n.subject;
    $('message-meta').textContent = `${n.kind} · ${n.channel} to ${n.recipient || '(nobody)'} · ${n.status}${n.last_error ? ` (${n.last_error})` : ''} · ${n.attempts} attempt(s) · ${fmtTime(n.sent_at || n.created_at)}`;
    $('message-html').hidden = !n.body_html;
    $('message-html').srcdoc = n.body_html || '';
    $('message-text').textContent = n.body_text;
  }

  async function notifications() {
    let list;
    try {
      list = await api('/v1/notifications?limit=25');
    } catch (err) {
      fillTable('notifications', [], `Not shown: ${err.message} (the key needs notifications:read).`);
      return;
    }
    fillTable(
      'notifications',
      list.map((n) => [fmtTime(n.created_at), n.kind, n.channel, n.recipient || '(nobody)', n.last_error ? `${n.status}: ${n.last_error}` : n.status, String(n.attempts), n.subject, viewButton(n.id)]),
      'No notifications yet. Reminders and escalations appear here as they are sent.',
    );
  }

  async function load() {
    const [span, interval] = WINDOWS[$('window').value];
    const to = new Date();
    const from = new Date(to.getTime() - span);
    const team = $('team').value.trim();
    const win = { from: from.toISOString(), to: to.toISOString(), team };
    const series = (metric) => api(`/v1/intelligence/timeseries?${query({ metric, interval, ...win })}`);
    say('Loading…');
    const [summary, received, assigned, contacted, breached, touch, rate, alerts, leads] = await Promise.all([
      api(`/v1/intelligence/summary?${query(win)}`),
      series('received'),
      series('assigned'),
      series('contacted'),
      series('breached'),
      series('time_to_first_touch_p50'),
      series('sla_rate'),
      api('/v1/intelligence/alerts?open=true&limit=50'),
      api('/v1/leads?limit=25'),
    ]);
    $('board').hidden = false;
    document.querySelectorAll('.interval').forEach((el) => (el.textContent = interval));
    tiles(summary);

    const labels = received.points.map((p) => new Date(p.at).toLocaleString([], interval === 'day' ? { dateStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' }));
    const line = (label, s, color, extra) => ({ label, data: s.points.map((p) => p.value), borderColor: color, backgroundColor: color, pointRadius: 0, tension: 0.2, ...extra });
    draw('volume', {
      type: 'line',
      data: { labels, datasets: [line('received', received, '#3b6fd8'), line('assigned', assigned, '#2e9e6a'), line('contacted', contacted, '#8a5cd6'), line('SLA breached', breached, '#d8453b')] },
      options: { animation: false, interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true } } },
    });
    draw('speed', {
      type: 'line',
      data: {
        labels,
        datasets: [
          line('first touch p50 (min)', { points: touch.points.map((p) => ({ value: p.value === null ? null : p.value / 60e3 })) }, '#8a5cd6', { yAxisID: 'y', spanGaps: true }),
          line('SLA met rate (%)', { points: rate.points.map((p) => ({ value: p.value === null ? null : p.value * 100 })) }, '#2e9e6a', { yAxisID: 'rate', spanGaps: true }),
        ],
      },
      options: { animation: false, interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true, position: 'left' }, rate: { min: 0, max: 100, position: 'right', grid: { drawOnChartArea: false } } } },
    });
    draw('reps', {
      type: 'bar',
      data: {
        labels: summary.reps.map((r) => r.name),
        datasets: [
          { label: 'assigned', data: summary.reps.map((r) => r.assigned), backgroundColor: '#3b6fd8' },
          { label: 'contacted', data: summary.reps.map((r) => r.contacted), backgroundColor: '#8a5cd6' },
          { label: 'breached', data: summary.reps.map((r) => r.breached), backgroundColor: '#d8453b' },
          { label: 'open now', data: summary.reps.map((r) => r.open_leads), backgroundColor: '#9aa3b2' },
        ],
      },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
    draw('rules', {
      type: 'doughnut',
      data: { labels: summary.rules.map((r) => r.rule_id), datasets: [{ data: summary.rules.map((r) => r.matches) }] },
      options: { animation: false, plugins: { legend: { position: 'right' } } },
    });

    fillTable('alerts', alerts.map((a) => [fmtTime(a.raised_at), a.kind, a.message, a.value === null ? '–' : String(a.value), a.threshold === null ? '–' : String(a.threshold)]), 'No open alerts.');
    const repName = new Map(summary.reps.map((r) => [r.rep_id, r.name]));
    fillTable(
      'leads',
      leads.map((l) => [fmtTime(l.received_at), l.id, l.email, l.status, l.assigned_rep_id ? repName.get(l.assigned_rep_id) || l.assigned_rep_id : '–', fmtTime(l.sla_due_at), workflowLink(l.workflow_url)]),
      'No leads yet.',
    );
    await crm(alerts);
    await notifications();
    await rulesets();
    say(`Updated ${new Date().toLocaleTimeString()} · ${summary.leads.received} leads in the window · refreshes every minute`);
  }

  // ---- HubSpot: the connection's state, and the owner writes that failed (their alerts). Hidden when the
  // organization is not connected or the key may not read integrations.
  async function crm(alerts) {
    const hubspot = await api('/v1/integrations').then((i) => i.hubspot, () => null);
    $('crm-panel').hidden = !hubspot;
    if (!hubspot) return;
    const st = hubspot.status;
    $('crm-status').textContent =
      `Account ${hubspot.portal_id} · last event ${fmtTime(st.last_event_at)} · last owner written ${fmtTime(st.last_write_at)} · ` +
      `${fmtInt(st.writes_24h)} written and ${fmtInt(st.failures_24h)} failed in 24 h · ${fmtInt(st.pending_writes)} waiting`;
    const failed = alerts.filter((a) => a.kind === 'CRM_SYNC_FAILED');
    fillTable('crm-failures', failed.map((a) => [fmtTime(a.raised_at), a.message]), 'No owner write has failed.');
  }

  // ---- Backtest panel: runs a backtest of the chosen ruleset on the dashboard's window and shows the diff.
  let backtestId = null;
  const btSay = (text, isError) => {
    $('bt-status').textContent = text;
    $('bt-status').className = isError ? 'status error' : 'status';
  };

  async function rulesets() {
    let list;
    try {
      list = await api('/v1/rules?limit=100');
    } catch (err) {
      btSay(`Rulesets not shown: ${err.message}`, true);
      return;
    }
    const chosen = $('bt-ruleset').value;
    $('bt-ruleset').replaceChildren(
      ...list.reverse().map((r) => {
        const o = document.createElement('option');
        o.value = r.id;
        o.textContent = `${r.name} · ${r.status}${r.version ? ` v${r.version}` : ''} (${r.id})`;
        return o;
      }),
    );
    if (chosen) $('bt-ruleset').value = chosen;
  }

  function showReport(bt) {
    const r = bt.report;
    $('bt-result').hidden = false;
    $('bt-summary').textContent = r.summary;
    const names = new Map(r.reps.map((x) => [x.rep_id, x.name || x.rep_id]));
    draw('bt-reps', {
      type: 'bar',
      data: {
        labels: r.reps.map((x) => x.name || x.rep_id),
        datasets: [
          { label: 'what happened', data: r.reps.map((x) => x.before), backgroundColor: '#9aa3b2' },
          { label: 'with this ruleset', data: r.reps.map((x) => x.after), backgroundColor: '#3b6fd8' },
        ],
      },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
    fillTable('bt-teams', r.teams.map((t) => [t.team, String(t.reps), String(t.before), String(t.after), fmtInt(t.load_before), fmtInt(t.load_after)]), 'No team had leads.');
    const who = (id) => (id ? names.get(id) || id : 'nobody');
    fillTable(
      'bt-changes',
      r.changes.slice(0, 100).map((c) => [fmtTime(c.received_at), c.lead_id, who(c.before.rep_id), c.before.rule_id || '–', who(c.after.rep_id), c.after.rule_id || c.after.source]),
      'No lead would move.',
    );
  }

  async function backtest() {
    const [span] = WINDOWS[$('window').value];
    const to = new Date();
    const body = { from: new Date(to.getTime() - span).toISOString(), to: to.toISOString() };
    const team = $('team').value.trim();
    if (team) body.team = team;
    $('bt-result').hidden = true;
    let bt = await api(`/v1/rules/${encodeURIComponent($('bt-ruleset').value)}/backtest`, body);
    backtestId = bt.id;
    $('bt-cancel').hidden = false;
    try {
      while (bt.status === 'RUNNING') {
        btSay(`Backtesting… ${fmtInt(bt.leads_done)} of ${fmtInt(bt.leads_total)} leads`);
        await new Promise((r) => setTimeout(r, 400));
        bt = await api(`/v1/backtests/${encodeURIComponent(bt.id)}`);
      }
    } finally {
      $('bt-cancel').hidden = true;
      backtestId = null;
    }
    if (bt.status !== 'COMPLETED') throw new Error(`Backtest ${bt.status.toLowerCase()}${bt.error ? `: ${bt.error}` : ''}`);
    btSay(`Backtest ${bt.id}: ${fmtInt(bt.leads_total)} leads replayed.`);
    showReport(bt);
  }

  $('backtest').addEventListener('submit', (ev) => {
    ev.preventDefault();
    backtest().catch((err) => btSay(err.message, true));
  });
  $('bt-cancel').addEventListener('click', () => {
    if (backtestId) api(`/v1/backtests/${encodeURIComponent(backtestId)}/cancel`, {}).catch((err) => btSay(err.message, true));
  });

  async function run() {
    clearTimeout(refreshTimer);
    try {
      await load();
      refreshTimer = setTimeout(run, 60e3);
    } catch (err) {
      say(err.message, true);
    }
  }

  $('connect').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = $('key').value.trim();
    sessionStorage.setItem(STORE, key);
    if ($('remember').checked) localStorage.setItem(STORE, key);
    else localStorage.removeItem(STORE);
    run();
  });
  $('forget').addEventListener('click', () => {
    clearTimeout(refreshTimer);
    localStorage.removeItem(STORE);
    sessionStorage.removeItem(STORE);
    $('key').value = '';
    $('board').hidden = true;
    say('Key forgotten.');
  });
  if ($('key').value) run();
  // Only after a sign-in in this browser (console.js leaves the mark): otherwise asking would log a 401.
  else if (localStorage.getItem('routeswit.signedIn'))
    fetch('/v1/session', { headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : null))
      .then((session) => {
        if (!session) return;
        csrf = session.csrf_token;
        $('key').required = false;
        say(`Signed in as ${session.user.email}.`);
        run();
      }, () => undefined);
})();
