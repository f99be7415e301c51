// Dossier search: loads the sharded index under search/ only as a query needs it.
// Ranks title and alias matches first, matches prefixes as you type, forgives
// one typo, ignores diacritics, and indexes CJK text as character pairs.
(function () {
  'use strict';
  var script = document.currentScript;
  var root = (script && script.dataset.root) || './';
  var input = document.getElementById('search-input');
  var panel = document.getElementById('search-results');
  if (!input || !panel) return;
  var manifest = null, shards = {}, chunks = {}, selected = -1, results = [], generation = 0;

  function get(path) {
    return fetch(root + path).then(function (r) {
      if (!r.ok) throw new Error(path + ': ' + r.status);
      return r.json();
    });
  }
  function loadManifest() {
    if (!manifest) manifest = get('search/index.json').then(function (m) { m.shardSet = new Set(m.shards); return m; });
    return manifest;
  }
  function normalize(text) {
    return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  }
  function isCjk(c) {
    return /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/.test(c);
  }
  function terms(text) {
    var out = [], word = '', run = [];
    function flushRun() {
      if (run.length === 1) out.push(run[0]);
      for (var i = 0; i + 1 < run.length; i++) out.push(run[i] + run[i + 1]);
      run = [];
    }
    Array.from(normalize(text)).forEach(function (c) {
      if (isCjk(c)) { if (word) { out.push(word); word = ''; } run.push(c); }
      else if (/[\p{L}\p{N}]/u.test(c)) { flushRun(); word += c; }
      else { flushRun(); if (word) { out.push(word); word = ''; } }
    });
    flushRun();
    if (word) out.push(word);
    return out;
  }
  function shardKey(term) {
    var prefix = Array.from(term).slice(0, 2).join('');
    return Array.from(new TextEncoder().encode(prefix)).map(function (b) {
      return b.toString(16).padStart(2, '0');
    }).join('');
  }
  function loadShard(key) {
    if (!shards[key]) shards[key] = get('search/' + key + '.json').catch(function () { return {}; });
    return shards[key];
  }
  function loadChunk(n) {
    if (!chunks[n]) chunks[n] = get('search/docs-' + n + '.json');
    return chunks[n];
  }
  // Edit distance of at most one, without building a matrix.
  function withinOneEdit(a, b) {
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0, j = 0, edits = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { i++; j++; continue; }
      if (++edits > 1) return false;
      if (a.length > b.length) i++; else if (b.length > a.length) j++; else { i++; j++; }
    }
    return edits + (a.length - i) + (b.length - j) <= 1;
  }
  // Scores of the documents matching one query term.
  function matchTerm(shard, term, last) {
    var scores = new Map();
    Object.keys(shard).forEach(function (candidate) {
      var weight = 0;
      if (candidate === term) weight = 1;
      else if (last && candidate.startsWith(term)) weight = 0.6;
      else if (term.length >= 4 && withinOneEdit(candidate, term)) weight = 0.4;
      if (!weight) return;
      shard[candidate].forEach(function (posting) {
        var score = posting[1] * weight;
        if (!scores.has(posting[0]) || scores.get(posting[0]) < score) scores.set(posting[0], score);
      });
    });
    return scores;
  }
  function search(query) {
    var qterms = terms(query).filter(function (t) { return t.length > 0; });
    if (!qterms.length) return Promise.resolve([]);
    return loadManifest().then(function (m) {
      return Promise.all(qterms.map(function (t) {
        var key = shardKey(t);
        return m.shardSet.has(key) ? loadShard(key) : Promise.resolve({});
      })).then(function (loaded) {
        var perTerm = qterms.map(function (t, i) { return matchTerm(loaded[i], t, i === qterms.length - 1); });
        var total = new Map();
        perTerm[0].forEach(function (score, doc) {
          var sum = score;
          for (var k = 1; k < perTerm.length; k++) {
            if (!perTerm[k].has(doc)) return;
            sum += perTerm[k].get(doc);
          }
          total.set(doc, sum);
        });
        var ranked = Array.from(total.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; }).slice(0, 20);
        return Promise.all(ranked.map(function (r) {
          var n = Math.floor(r[0] / m.chunk);
          return loadChunk(n).then(function (docs) { return { doc: docs[r[0] % m.chunk], score: r[1] }; });
        }));
      });
    }).then(function (hits) {
      // A title that is the query, or starts with it, beats a longer title that merely contains it.
      var wanted = terms(query).join(' ');
      hits.forEach(function (h) {
        var titleTerms = terms(h.doc.t), title = titleTerms.join(' ');
        if (title === wanted) h.score *= 3;
        else if (title.indexOf(wanted) === 0) h.score *= 1.5;
        h.score *= 1 + 1 / Math.max(1, titleTerms.length); // shorter titles are more specific
      });
      hits.sort(function (a, b) { return b.score - a.score; });
      return { docs: hits.slice(0, 10).map(function (h) { return h.doc; }), terms: qterms };
    });
  }
  function escape(text) {
    return text.replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }
  // Wraps the parts of `text` that start a query term in <mark>, diacritics-insensitively.
  function highlight(text, qterms) {
    var plain = Array.from(text), folded = plain.map(function (c) { return normalize(c); });
    var marks = new Array(plain.length).fill(false);
    var joined = folded.join('');
    qterms.forEach(function (t) {
      var at = 0, index;
      while (t && (index = joined.indexOf(t, at)) !== -1) {
        var pos = 0;
        for (var i = 0; i < folded.length; i++) {
          if (pos >= index && pos < index + t.length) marks[i] = true;
          pos += folded[i].length;
        }
        at = index + t.length;
      }
    });
    var out = '', open = false;
    plain.forEach(function (c, i) {
      if (marks[i] && !open) { out += '<mark>'; open = true; }
      if (!marks[i] && open) { out += '</mark>'; open = false; }
      out += escape(c);
    });
    return open ? out + '</mark>' : out;
  }
  function show(found) {
    results = found ? found.docs : [];
    selected = results.length ? 0 : -1;
    if (!found) { panel.hidden = true; panel.innerHTML = ''; return; }
    if (!results.length) {
      panel.innerHTML = '<p class="search-empty">No notes match.</p>';
    } else {
      panel.innerHTML = '<ul role="listbox">' + results.map(function (d, i) {
        return '<li role="option" id="search-option-' + i + '"' + (i === selected ? ' aria-selected="true"' : '') + '>' +
          '<a href="' + escape(root + d.u) + '"><strong>' + highlight(d.t, found.terms) + '</strong>' +
          (d.k ? ' <span class="kind-badge">' + escape(d.k) + '</span>' : '') +
          '<span class="search-snippet">' + highlight(d.s, found.terms) + '</span></a></li>';
      }).join('') + '</ul>';
    }
    panel.hidden = false;
  }
  function select(index) {
    var options = panel.querySelectorAll('li[role="option"]');
    if (!options.length) return;
    selected = (index + options.length) % options.length;
    options.forEach(function (o, i) { o.setAttribute('aria-selected', String(i === selected)); });
    options[selected].scrollIntoView({ block: 'nearest' });
    input.setAttribute('aria-activedescendant', 'search-option-' + selected);
  }
  input.addEventListener('input', function () {
    var query = input.value.trim(), mine = ++generation;
    if (!query) { show(null); return; }
    search(query).then(function (found) {
      if (mine === generation) show(found);
    }).catch(function () {
      if (mine !== generation) return;
      panel.innerHTML = '<p class="search-empty">Search needs the site served over HTTP (try <code>dossier serve</code>).</p>';
      panel.hidden = false;
    });
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown') { e.preventDefault(); select(selected + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); select(selected - 1); }
    else if (e.key === 'Enter' && selected >= 0 && results[selected]) { e.preventDefault(); location.href = root + results[selected].u; }
    else if (e.key === 'Escape') { input.value = ''; show(null); input.blur(); }
  });
  document.addEventListener('keydown', function (e) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || document.activeElement.isContentEditable;
    if ((e.key === '/' && !typing) || (e.key === 'k' && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
  document.addEventListener('click', function (e) {
    if (!panel.contains(e.target) && e.target !== input) panel.hidden = true;
  });
  input.addEventListener('focus', function () { loadManifest().catch(function () {}); if (panel.innerHTML) panel.hidden = false; });
})();
