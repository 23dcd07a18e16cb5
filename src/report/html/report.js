// errata HTML report: renders the embedded JSON. State lives in the URL hash
// (#q=…&system=…&kind=…&type=…&action=1&sort=…&dir=…&page=…&detail=t:ID), so a
// view can be shared as a link and reloaded. The page never logs to the console.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('errata-data').textContent);
  var app = document.getElementById('app');
  var PAGE = 100;
  var nf = new Intl.NumberFormat('en-US');
  var kinds = {};
  D.kinds.forEach(function (k) { kinds[k.kind] = k; });

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { e.textContent = attrs[k]; }
      else if (k === 'onclick' || k === 'oninput' || k === 'onchange') { e[k] = attrs[k]; }
      else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); }
    });
    return e;
  }
  function num(n) { return nf.format(n); }
  function when(s) { return s ? s.replace('T', ' ').slice(0, 16) : '—'; }
  function severity(kind) { return (kinds[kind] || { severity: 'warning' }).severity; }
  function badge(flag) {
    var cls = 'sev ' + (flag.suppressed ? 'suppressed' : severity(flag.kind));
    return el('span', { 'class': cls, title: flag.suppressed ? 'suppressed: ' + flag.suppressed : flag.message, text: flag.kind });
  }
  function cutNote(shown, total, what) {
    return shown < total ? el('p', { 'class': 'notice cut', text: 'Showing ' + num(shown) + ' of ' + num(total) + ' ' + what + '; the rest are cut from this page (use --format csv or xlsx for all).' }) : null;
  }

  function spark(days, width, height) {
    var n = D.spark.days, series = new Array(n).fill(0), max = 0, total = 0;
    days.forEach(function (d) { series[d[0]] = d[1]; total += d[1]; });
    series.forEach(function (v) { if (v > max) { max = v; } });
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var title = document.createElementNS(ns, 'title');
    title.textContent = num(total) + ' observations, ' + D.spark.start + ' to ' + D.spark.end;
    svg.appendChild(title);
    var bg = document.createElementNS(ns, 'rect');
    bg.setAttribute('width', width);
    bg.setAttribute('height', height);
    svg.appendChild(bg);
    var pts = series.map(function (v, i) {
      var x = n > 1 ? i * (width - 2) / (n - 1) + 1 : 1;
      var y = height - 2 - (max ? v * (height - 4) / max : 0);
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    var line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.appendChild(line);
    return svg;
  }

  // ---- state in the hash ----
  var state;
  function readHash() {
    var s = { q: '', system: '', kind: '', type: '', action: false, sort: 'count', dir: 'desc', page: 1, detail: '' };
    location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      if (!pair) { return; }
      var i = pair.indexOf('=');
      var k = decodeURIComponent(i < 0 ? pair : pair.slice(0, i));
      var v = i < 0 ? '' : decodeURIComponent(pair.slice(i + 1).replace(/\+/g, ' '));
      if (k === 'action') { s.action = v === '1'; }
      else if (k === 'page') { s.page = Math.max(1, parseInt(v, 10) || 1); }
      else if (Object.prototype.hasOwnProperty.call(s, k)) { s[k] = v; }
    });
    return s;
  }
  function writeHash(changes) {
    Object.keys(changes).forEach(function (k) { state[k] = changes[k]; });
    var parts = [];
    ['q', 'system', 'kind', 'type', 'sort', 'dir', 'page', 'detail'].forEach(function (k) {
      var v = state[k];
      if (v && !(k === 'page' && v === 1) && !(k === 'sort' && v === 'count') && !(k === 'dir' && v === 'desc')) {
        parts.push(k + '=' + encodeURIComponent(v));
      }
    });
    if (state.action) { parts.push('action=1'); }
    location.hash = parts.join('&');
  }

  // ---- static parts ----
  function header() {
    var scan = D.scan;
    return el('header', {}, [
      el('h1', { text: 'Client-facing error texts' }),
      el('p', { 'class': 'muted', id: 'as-of', text: D.as_of ? 'As of ' + D.as_of + (scan ? ' · scan #' + scan.id + ' finished ' + when(scan.finished_at) + ' · ' + num(scan.files_scanned) + ' files scanned, ' + num(scan.warnings) + ' warnings' : '') : 'The catalog is empty: no scan has finished yet.' })
    ]);
  }

  // Flags by kind; `full` adds titles and advice (the overview), else compact (a system card).
  function kindTable(byKind, full) {
    if (!byKind.length) { return el('p', { 'class': 'muted', text: 'No flags: nothing needs action.' }); }
    var head = [el('th', { text: 'Flag' }), el('th', { text: 'Severity' }), el('th', { 'class': 'num', text: 'Open' }), el('th', { 'class': 'num', text: 'Suppressed' })];
    if (full) { head.push(el('th', { text: 'What to do' })); }
    return el('table', { 'class': 'kinds' }, [
      el('thead', {}, [el('tr', {}, head)]),
      el('tbody', {}, byKind.map(function (k) {
        var info = kinds[k.kind] || {};
        return el('tr', { 'data-kind': k.kind }, [
          el('td', {}, [el('a', { href: '#kind=' + encodeURIComponent(k.kind), text: k.kind }), full ? el('div', { 'class': 'muted', text: info.title || '' }) : null]),
          el('td', {}, [el('span', { 'class': 'sev ' + severity(k.kind), text: severity(k.kind) })]),
          el('td', { 'class': 'num', text: num(k.open) }),
          el('td', { 'class': 'num', text: num(k.suppressed) }),
          full ? el('td', { text: info.advice || '' }) : null
        ]);
      }))
    ]);
  }

  function overview() {
    var t = D.totals;
    function card(id, n, label, cls) {
      return el('div', { 'class': 'card ' + (cls || ''), id: id }, [el('div', { 'class': 'n', text: num(n) }), el('div', { 'class': 'muted', text: label })]);
    }
    return el('section', { id: 'overview' }, [
      el('h2', { text: 'Overview' }),
      el('div', { 'class': 'cards' }, [
        card('card-systems', t.systems, 'systems'),
        card('card-texts', t.texts, 'client-facing texts'),
        card('card-action', t.needs_action, 'texts need action', 'action'),
        card('card-flags', t.flags, 'flags (incl. suppressed)')
      ]),
      el('h3', { text: 'Flags by kind' }),
      kindTable(t.by_kind, true)
    ]);
  }

  function changes() {
    var c = D.changes, section = el('section', { id: 'changes' }, [el('h2', { text: 'Changed since the previous scan' })]);
    if (!c) { section.appendChild(el('p', { 'class': 'muted', text: 'No comparison in this report.' })); return section; }
    if (!c.previous_as_of) { section.appendChild(el('p', { 'class': 'muted', text: 'This is the first scan with a history: there is nothing to compare yet.' })); return section; }
    section.appendChild(el('p', { 'class': 'muted', text: 'Compared with the scan as of ' + c.previous_as_of + '.' }));
    // lists: [[{total, items}, render(item) -> nodes], …]
    function items(title, id, lists) {
      var total = lists.reduce(function (a, l) { return a + l[0].total; }, 0);
      var shown = lists.reduce(function (a, l) { return a + l[0].items.length; }, 0);
      var d = el('details', { id: id }, [el('summary', {}, [el('strong', { text: title + ': ' }), el('span', { 'class': 'count', text: num(total) })])]);
      var ul = el('ul', { 'class': 'changes' });
      lists.forEach(function (l) { l[0].items.forEach(function (i) { ul.appendChild(el('li', {}, l[1](i))); }); });
      d.appendChild(ul);
      var note = cutNote(shown, total, 'entries');
      if (note) { d.appendChild(note); }
      return d;
    }
    function text(type, link) {
      return function (i) {
        var label = link ? el('a', { href: '#detail=' + type[0] + ':' + encodeURIComponent(i.id), text: i.label }) : i.label;
        return [el('span', { 'class': 'muted', text: i.system + ' · ' + type + ' · ' }), label];
      };
    }
    function flag(f) { return [badge(f), ' ', el('span', { 'class': 'muted', text: f.system + ' · ' + (f.key || f.template || '') + ' · ' }), f.message]; }
    section.appendChild(items('New texts', 'changes-new', [[c.new_definitions, text('definition', true)], [c.new_templates, text('template', true)]]));
    section.appendChild(items('Texts gone', 'changes-gone', [[c.gone_definitions, text('definition', false)], [c.gone_templates, text('template', false)]]));
    section.appendChild(items('New flags', 'changes-new-flags', [[c.new_flags, flag]]));
    section.appendChild(items('Cleared flags', 'changes-cleared-flags', [[c.cleared_flags, flag]]));
    return section;
  }

  function systems() {
    return el('section', { id: 'systems' }, [
      el('h2', { text: 'Systems' }),
      el('div', { 'class': 'systems' }, D.systems.map(function (s) {
        function row(label, n) { return [el('dt', { text: label }), el('dd', { text: num(n) })]; }
        return el('div', { 'class': 'system', id: 'system-' + s.name }, [
          el('h3', {}, [el('a', { href: '#system=' + encodeURIComponent(s.name), text: s.name })]),
          el('dl', {}, [].concat(row('client-facing texts', s.texts), row('need action', s.needs_action), row('definitions', s.definitions), row('observed templates', s.templates), row('observations', s.observations), row('templates without definition', s.unmatched))),
          kindTable(s.by_kind, false)
        ]);
      }))
    ]);
  }

  // ---- the table ----
  var COLUMNS = [
    { key: 'type', label: 'Type' }, { key: 'system', label: 'System' }, { key: 'text', label: 'Text' },
    { key: 'key', label: 'Key' }, { key: 'count', label: 'Seen', num: true }, { key: 'first', label: 'First seen' },
    { key: 'last', label: 'Last seen' }, { key: 'trend', label: 'Daily trend', nosort: true }, { key: 'flags', label: 'Flags' }
  ];
  function value(r, key) {
    if (key === 'type') { return r.t; }
    if (key === 'flags') { return r.flags.length; }
    return r[key] === null || r[key] === undefined ? '' : r[key];
  }
  function openFlags(r) { return r.flags.some(function (i) { return !D.flags[i].suppressed; }); }
  function filtered() {
    var q = state.q.toLowerCase();
    var rows = D.rows.filter(function (r) {
      if (state.system && r.system !== state.system) { return false; }
      if (state.type && r.t !== state.type) { return false; }
      if (state.kind && !r.flags.some(function (i) { return D.flags[i].kind === state.kind; })) { return false; }
      if (state.action && !openFlags(r)) { return false; }
      if (q && (r.text + ' ' + (r.key || '') + ' ' + r.system + ' ' + r.id).toLowerCase().indexOf(q) < 0) { return false; }
      return true;
    });
    var dir = state.dir === 'asc' ? 1 : -1, key = state.sort;
    rows.sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      if (x < y) { return -dir; }
      if (x > y) { return dir; }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    return rows;
  }
  function options(select, values, current, all) {
    select.appendChild(el('option', { value: '', text: all }));
    values.forEach(function (v) {
      var o = el('option', { value: v[0], text: v[1] });
      if (v[0] === current) { o.selected = true; }
      select.appendChild(o);
    });
    return select;
  }
  function controls() {
    var search = el('input', { type: 'search', id: 'filter-q', placeholder: 'Search text, key, system…', 'aria-label': 'Search' });
    search.value = state.q;
    search.oninput = function () { writeHash({ q: search.value, page: 1 }); };
    var sys = options(el('select', { id: 'filter-system', 'aria-label': 'System' }), D.systems.map(function (s) { return [s.name, s.name]; }), state.system, 'All systems');
    sys.onchange = function () { writeHash({ system: sys.value, page: 1 }); };
    var kind = options(el('select', { id: 'filter-kind', 'aria-label': 'Flag kind' }), D.kinds.map(function (k) { return [k.kind, k.kind]; }), state.kind, 'Any flag kind');
    kind.onchange = function () { writeHash({ kind: kind.value, page: 1 }); };
    var type = options(el('select', { id: 'filter-type', 'aria-label': 'Type' }), [['d', 'Definitions'], ['t', 'Observed templates']], state.type, 'Definitions and templates');
    type.onchange = function () { writeHash({ type: type.value, page: 1 }); };
    var action = el('input', { type: 'checkbox', id: 'filter-action' });
    action.checked = state.action;
    action.onchange = function () { writeHash({ action: action.checked, page: 1 }); };
    var reset = el('button', { type: 'button', text: 'Reset', onclick: function () { location.hash = ''; } });
    return el('div', { 'class': 'controls' }, [search, sys, kind, type, el('label', {}, [action, ' needs action only']), reset]);
  }
  function table() {
    var rows = filtered(), pages = Math.max(1, Math.ceil(rows.length / PAGE));
    var page = Math.min(state.page, pages), from = (page - 1) * PAGE, slice = rows.slice(from, from + PAGE);
    var thead = el('tr', {}, COLUMNS.map(function (c) {
      var th = el('th', { 'class': (c.num ? 'num ' : '') + (c.nosort ? '' : 'sortable') + (state.sort === c.key ? ' sorted' : ''), 'data-key': c.key, text: c.label });
      if (state.sort === c.key) { th.setAttribute('data-dir', state.dir === 'asc' ? '▲' : '▼'); }
      if (!c.nosort) { th.onclick = function () { writeHash({ sort: c.key, dir: state.sort === c.key && state.dir === 'desc' ? 'asc' : 'desc', page: 1 }); }; }
      return th;
    }));
    var body = el('tbody', {}, slice.map(function (r) {
      var tr = el('tr', { 'class': 'row', 'data-id': r.id }, [
        el('td', { text: r.t === 'd' ? 'definition' : 'template' }),
        el('td', { text: r.system }),
        el('td', { 'class': 'text', text: r.text }),
        el('td', { 'class': 'mono', text: (r.key || r.matches || '') + (r.locale ? ' [' + r.locale + ']' : '') }),
        el('td', { 'class': 'num', text: num(r.count) }),
        el('td', { text: when(r.first) }),
        el('td', { text: when(r.last) }),
        el('td', {}, [spark(r.days, 120, 24)]),
        el('td', {}, r.flags.map(function (i) { return badge(D.flags[i]); }))
      ]);
      tr.onclick = function () { writeHash({ detail: r.t + ':' + r.id }); };
      return tr;
    }));
    function go(p) { return function () { writeHash({ page: p }); }; }
    var pager = el('div', { 'class': 'pager' }, [
      el('button', { type: 'button', id: 'page-first', text: '« First', onclick: go(1) }),
      el('button', { type: 'button', id: 'page-prev', text: '‹ Prev', onclick: go(Math.max(1, page - 1)) }),
      el('span', { id: 'page-info', text: 'Page ' + num(page) + ' of ' + num(pages) }),
      el('button', { type: 'button', id: 'page-next', text: 'Next ›', onclick: go(Math.min(pages, page + 1)) }),
      el('button', { type: 'button', id: 'page-last', text: 'Last »', onclick: go(pages) })
    ]);
    var status = el('p', { id: 'table-status', text: rows.length ? 'Rows ' + num(from + 1) + '–' + num(from + slice.length) + ' of ' + num(rows.length) + (rows.length < D.rows.length ? ' matching (' + num(D.rows.length) + ' in all)' : '') : 'No rows match the filters.' });
    return el('div', { id: 'table-view' }, [status, el('table', { id: 'texts' }, [el('thead', {}, [thead]), body]), pager]);
  }

  function detail() {
    if (!state.detail) { return null; }
    var sep = state.detail.indexOf(':'), t = state.detail.slice(0, sep), id = state.detail.slice(sep + 1);
    var r = D.rows.find(function (x) { return x.t === t && x.id === id; });
    var close = el('a', { href: '#', text: 'Close', onclick: function (e) { e.preventDefault(); writeHash({ detail: '' }); } });
    if (!r) { return el('section', { id: 'detail' }, [el('p', { text: 'This text is not in the page (it may be cut).' }), close]); }
    function list(title, items, empty) {
      return [el('h3', { text: title }), items.length ? el('ul', {}, items.map(function (i) { return el('li', { 'class': 'mono', text: i }); })) : el('p', { 'class': 'muted', text: empty })];
    }
    var facts = el('dl', {}, [
      el('dt', { text: 'System' }), el('dd', { text: r.system }),
      el('dt', { text: 'Key' }), el('dd', { 'class': 'mono', text: r.key || (r.matches ? 'matches ' + r.matches : 'no definition matches') }),
      el('dt', { text: 'Seen' }), el('dd', { text: num(r.count) + ' times, first ' + when(r.first) + ', last ' + when(r.last) })
    ]);
    var flags = r.flags.map(function (i) {
      var f = D.flags[i], info = kinds[f.kind] || {};
      return el('div', { 'class': 'flag' }, [
        el('p', {}, [badge(f), ' ', el('strong', { text: f.message })]),
        f.suppressed ? el('p', { 'class': 'muted', text: 'Suppressed by the rules: ' + f.suppressed }) : null,
        el('p', {}, [el('strong', { text: 'What to do: ' }), info.advice || 'Read the evidence and fix the text, or suppress the flag with a reason.']),
        el('details', { open: '' }, [el('summary', { text: 'Evidence' }), el('pre', { text: JSON.stringify(f.evidence, null, 2) })])
      ]);
    });
    return el('section', { id: 'detail' }, [
      el('h2', { text: (r.t === 'd' ? 'Definition' : 'Observed template') }), close,
      el('pre', { 'class': 'detail-text', text: r.text }),
      facts,
      spark(r.days, 480, 60),
      [].concat(list('Masked samples', r.samples, 'No observations.'), list('Defined at', r.defined, 'No catalog defines this text.'), list('Seen in', r.seen, 'Not seen in the logs.')),
      el('h3', { text: 'Flags (' + r.flags.length + ')' }),
      flags.length ? null : el('p', { 'class': 'muted', text: 'Nothing to do.' })
    ].reduce(function (a, c) { return a.concat(c); }, []).concat(flags));
  }

  // ---- render ----
  state = readHash();
  app.appendChild(header());
  app.appendChild(overview());
  app.appendChild(changes());
  app.appendChild(systems());
  var texts = el('section', { id: 'table' }, [el('h2', { text: 'All texts' }), controls(),
    cutNote(D.rows.length, D.total_rows, 'rows'),
    D.spark.cut ? el('p', { 'class': 'notice cut', text: 'Daily trends show ' + D.spark.start + ' to ' + D.spark.end + '; ' + num(D.spark.cut) + ' day counts before or after are not drawn.' }) : null]);
  var detailSlot = el('div', { id: 'detail-slot' });
  var tableSlot = el('div', { id: 'table-slot' });
  texts.appendChild(detailSlot);
  texts.appendChild(tableSlot);
  app.appendChild(texts);
  function update() {
    state = readHash();
    detailSlot.replaceChildren();
    var d = detail();
    if (d) { detailSlot.appendChild(d); }
    tableSlot.replaceChildren(table());
  }
  window.addEventListener('hashchange', update);
  update();
  if (state.detail) { detailSlot.scrollIntoView(); }
}());
