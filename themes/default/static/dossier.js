// Dossier's browser code: search, graphs and hover previews. No dependencies.
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

// Dossier graph views on a canvas: the global graph (graph/index.html) and the
// local graph beside each note. Force-directed: springs along edges, repulsion
// between nearby nodes (a grid keeps it linear, so 10k nodes stay responsive).
(function () {
  'use strict';
  var script = document.currentScript;
  var root = (script && script.dataset.root) || './';
  // Each kind's colour, from site.toml's [[kinds]] (see base.html).
  var KIND_COLORS = {};
  try { KIND_COLORS = JSON.parse((script && script.dataset.kindColors) || '{}'); } catch (e) { KIND_COLORS = {}; }
  function colorOf(kind) { return KIND_COLORS[kind] || '#8a8f98'; }
  function cssVar(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function Graph(canvas, nodes, edges, options) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.nodes = nodes;
    this.edges = edges;
    this.options = options || {};
    this.scale = 1; this.offsetX = 0; this.offsetY = 0;
    this.hover = null; this.drag = null; this.alpha = 1;
    var index = new Map();
    nodes.forEach(function (n, i) {
      index.set(n.id, i);
      var angle = i * 2.399963, radius = 12 * Math.sqrt(i + 1);
      n.x = n.x === undefined ? Math.cos(angle) * radius : n.x;
      n.y = n.y === undefined ? Math.sin(angle) * radius : n.y;
      n.vx = 0; n.vy = 0; n.neighbours = new Set();
    });
    this.links = [];
    var self = this;
    edges.forEach(function (e) {
      var a = index.get(e.source), b = index.get(e.target);
      if (a === undefined || b === undefined) return;
      self.links.push({ a: a, b: b, type: e.type });
      nodes[a].neighbours.add(b); nodes[b].neighbours.add(a);
    });
    this.resize();
    this.bind();
    this.run();
  }
  Graph.prototype.resize = function () {
    var ratio = window.devicePixelRatio || 1, rect = this.canvas.getBoundingClientRect();
    this.canvas.width = rect.width * ratio; this.canvas.height = rect.height * ratio;
    this.ratio = ratio; this.width = rect.width; this.height = rect.height;
  };
  Graph.prototype.radius = function (n) { return 3 + Math.sqrt(n.links || n.neighbours.size || 1) * 1.6; };
  Graph.prototype.step = function () {
    var nodes = this.nodes, cell = 60, grid = new Map();
    // Numeric cell keys: string keys would allocate for every node on every step.
    var cellKey = function (gx, gy) { return gx * 131071 + gy; };
    nodes.forEach(function (n, i) {
      var key = cellKey(Math.floor(n.x / cell), Math.floor(n.y / cell));
      (grid.get(key) || grid.set(key, []).get(key)).push(i);
    });
    var alpha = this.alpha;
    nodes.forEach(function (n, i) {
      var gx = Math.floor(n.x / cell), gy = Math.floor(n.y / cell);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var bucket = grid.get(cellKey(gx + dx, gy + dy));
        if (!bucket) continue;
        for (var k = 0; k < bucket.length; k++) {
          var j = bucket[k]; if (j <= i) continue;
          var m = nodes[j], x = n.x - m.x, y = n.y - m.y, d2 = x * x + y * y || 0.01;
          if (d2 > cell * cell) continue;
          var f = 120 * alpha / d2;
          n.vx += x * f; n.vy += y * f; m.vx -= x * f; m.vy -= y * f;
        }
      }
      n.vx -= n.x * 0.002 * alpha; n.vy -= n.y * 0.002 * alpha;
    });
    this.links.forEach(function (l) {
      var a = nodes[l.a], b = nodes[l.b], x = b.x - a.x, y = b.y - a.y, d = Math.sqrt(x * x + y * y) || 1;
      var f = (d - 40) * 0.02 * alpha / d;
      a.vx += x * f; a.vy += y * f; b.vx -= x * f; b.vy -= y * f;
    });
    var drag = this.drag;
    nodes.forEach(function (n) {
      if (drag && drag.node === n) return;
      n.vx *= 0.6; n.vy *= 0.6; n.x += n.vx; n.y += n.vy;
    });
    this.alpha = Math.max(0, this.alpha * 0.985);
  };
  Graph.prototype.toScreen = function (n) {
    return { x: this.width / 2 + (n.x + this.offsetX) * this.scale, y: this.height / 2 + (n.y + this.offsetY) * this.scale };
  };
  Graph.prototype.draw = function () {
    var ctx = this.ctx, self = this, hover = this.hover, fg = cssVar('--fg', '#222'), line = cssVar('--line', '#ccc');
    var nodes = this.nodes, w = this.width, h = this.height;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.lineWidth = 1;
    // Edges in one path per style: thousands of strokes would be far slower.
    // Large graphs skip them while the layout is still moving.
    var settling = this.links.length > 4000 && this.alpha > 0.005 && !this.drag;
    var styles = settling ? {} : { link: [], embed: [2, 2], relation: [6, 3] };
    Object.keys(styles).forEach(function (style) {
      ctx.setLineDash(styles[style]);
      ctx.strokeStyle = line;
      ctx.globalAlpha = hover === null ? 0.7 : 0.12;
      ctx.beginPath();
      self.links.forEach(function (l) {
        var kind = l.type === 'link' || l.type === 'embed' ? l.type : 'relation';
        if (kind !== style) return;
        var a = self.toScreen(nodes[l.a]), b = self.toScreen(nodes[l.b]);
        ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y);
      });
      ctx.stroke();
    });
    if (hover !== null) {
      ctx.setLineDash([]); ctx.strokeStyle = fg; ctx.globalAlpha = 0.9; ctx.beginPath();
      this.links.forEach(function (l) {
        if (l.a !== hover && l.b !== hover) return;
        var a = self.toScreen(nodes[l.a]), b = self.toScreen(nodes[l.b]);
        ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y);
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    // Nodes in one path per colour; labels only for what is on screen and relevant.
    var byColour = new Map(), zoom = Math.min(1.5, Math.max(0.6, this.scale)), labels = [];
    nodes.forEach(function (n, i) {
      var p = self.toScreen(n), r = self.radius(n) * zoom;
      if (p.x < -20 || p.y < -20 || p.x > w + 20 || p.y > h + 20) return;
      var lit = hover === null || i === hover || nodes[hover].neighbours.has(i);
      var key = colorOf(n.kind) + (lit ? '' : '/dim');
      (byColour.get(key) || byColour.set(key, []).get(key)).push([p, n.current ? r + 3 : r]);
      if (lit && (nodes.length < 60 || self.scale > 1.2 && labels.length < 300 || i === hover || (hover !== null && nodes[hover].neighbours.has(i)))) {
        labels.push([p, r, n.title]);
      }
    });
    byColour.forEach(function (circles, key) {
      ctx.fillStyle = key.split('/')[0];
      ctx.globalAlpha = key.indexOf('/dim') > 0 ? 0.2 : 1;
      ctx.beginPath();
      circles.forEach(function (c) { ctx.moveTo(c[0].x + c[1], c[0].y); ctx.arc(c[0].x, c[0].y, c[1], 0, Math.PI * 2); });
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    nodes.forEach(function (n) {
      if (!n.current) return;
      var p = self.toScreen(n);
      ctx.strokeStyle = fg; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(p.x, p.y, self.radius(n) * zoom + 3, 0, Math.PI * 2); ctx.stroke();
    });
    ctx.fillStyle = fg; ctx.font = '12px system-ui, sans-serif';
    labels.forEach(function (l) { ctx.fillText(l[2], l[0].x + l[1] + 3, l[0].y + 4); });
    this.dirty = false;
  };
  Graph.prototype.run = function () {
    var self = this, big = this.nodes.length > 2000;
    function frame() {
      var moving = self.alpha > 0.005 || self.drag;
      if (moving) {
        self.step();
        // Large graphs settle in fewer, stronger steps.
        if (big && !self.drag) self.alpha *= 0.95;
        if (self.alpha <= 0.005) self.dirty = true;
      }
      if (moving || self.dirty) self.draw();
      self.frame = requestAnimationFrame(frame);
    }
    this.dirty = true;
    frame();
  };
  Graph.prototype.nodeAt = function (x, y) {
    var best = null, bestD = Infinity, self = this;
    this.nodes.forEach(function (n, i) {
      var p = self.toScreen(n), d = (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y), r = self.radius(n) + 4;
      if (d < r * r && d < bestD) { best = i; bestD = d; }
    });
    return best;
  };
  Graph.prototype.bind = function () {
    var self = this, canvas = this.canvas, moved = false, panning = null;
    function pos(e) { var r = canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }
    canvas.addEventListener('mousemove', function (e) {
      var p = pos(e);
      if (self.drag) {
        moved = true;
        self.drag.node.x = (p.x - self.width / 2) / self.scale - self.offsetX;
        self.drag.node.y = (p.y - self.height / 2) / self.scale - self.offsetY;
        self.alpha = Math.max(self.alpha, 0.3);
      } else if (panning) {
        moved = true;
        self.offsetX = panning.ox + (p.x - panning.x) / self.scale;
        self.offsetY = panning.oy + (p.y - panning.y) / self.scale;
        self.dirty = true;
      } else {
        var hover = self.nodeAt(p.x, p.y);
        if (hover !== self.hover) { self.hover = hover; self.dirty = true; }
        canvas.style.cursor = self.hover === null ? 'grab' : 'pointer';
        canvas.title = self.hover === null ? '' : self.nodes[self.hover].title;
      }
    });
    canvas.addEventListener('mousedown', function (e) {
      var p = pos(e), hit = self.nodeAt(p.x, p.y); moved = false;
      if (hit !== null) self.drag = { node: self.nodes[hit] };
      else panning = { x: p.x, y: p.y, ox: self.offsetX, oy: self.offsetY };
    });
    window.addEventListener('mouseup', function () { self.drag = null; panning = null; });
    canvas.addEventListener('click', function (e) {
      var p = pos(e), hit = self.nodeAt(p.x, p.y);
      if (!moved && hit !== null) location.href = root + self.nodes[hit].url;
    });
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      self.scale = Math.min(8, Math.max(0.05, self.scale * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
      self.dirty = true;
    }, { passive: false });
    canvas.addEventListener('mouseleave', function () { self.hover = null; self.dirty = true; });
    window.addEventListener('resize', function () { self.resize(); self.dirty = true; });
  };
  Graph.prototype.fit = function () {
    var xs = this.nodes.map(function (n) { return n.x; }), ys = this.nodes.map(function (n) { return n.y; });
    var w = Math.max.apply(null, xs) - Math.min.apply(null, xs) + 80, h = Math.max.apply(null, ys) - Math.min.apply(null, ys) + 80;
    this.scale = Math.min(2, Math.max(0.05, Math.min(this.width / w, this.height / h)));
    this.dirty = true;
  };

  function neighbourhood(graph, id, depth) {
    var keep = new Set([id]), frontier = [id], adjacency = new Map();
    graph.edges.forEach(function (e) {
      (adjacency.get(e.source) || adjacency.set(e.source, []).get(e.source)).push(e.target);
      (adjacency.get(e.target) || adjacency.set(e.target, []).get(e.target)).push(e.source);
    });
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (n) { (adjacency.get(n) || []).forEach(function (m) { if (!keep.has(m)) { keep.add(m); next.push(m); } }); });
      frontier = next;
    }
    return {
      nodes: graph.nodes.filter(function (n) { return keep.has(n.id); }),
      edges: graph.edges.filter(function (e) { return keep.has(e.source) && keep.has(e.target); })
    };
  }

  // Local graph beside a note: depth 1 is embedded in the page, depth 2 loads graph.json.
  // The embedded data is compact: nodes are [id, title, kind], edges index into them.
  function localData() {
    var d = JSON.parse(document.getElementById('local-graph-data').textContent);
    var nodes = d.nodes.map(function (n) { return { id: n[0], title: n[1], kind: n[2], url: n[0] + '/' + d.link }; });
    var edges = d.edges.map(function (e) { return { source: nodes[e[0]].id, target: nodes[e[1]].id, type: e[2] }; });
    return { id: d.id, nodes: nodes, edges: edges };
  }
  var local = document.getElementById('local-graph');
  if (local) {
    var data = localData();
    var canvas = local.querySelector('canvas'), current = null;
    var show = function (graph) {
      if (current) cancelAnimationFrame(current.frame);
      graph.nodes.forEach(function (n) { n.current = n.id === data.id; });
      current = new Graph(canvas, graph.nodes, graph.edges);
      setTimeout(function () { current.fit(); }, 600);
    };
    show({ nodes: data.nodes, edges: data.edges });
    var depth = local.querySelector('select');
    if (depth) {
      depth.hidden = false;
      depth.addEventListener('change', function () {
        if (depth.value === '1') { show(localData()); return; }
        fetch(root + 'graph.json').then(function (r) { return r.json(); }).then(function (graph) {
          show(neighbourhood(graph, data.id, 2));
        });
      });
    }
  }

  // The global graph page.
  var global = document.getElementById('global-graph');
  if (global) {
    fetch(root + 'graph.json').then(function (r) { return r.json(); }).then(function (graph) {
      global.hidden = false;
      var g = new Graph(global.querySelector('canvas'), graph.nodes, graph.edges);
      setTimeout(function () { g.fit(); }, 1500);
    }).catch(function () {
      global.insertAdjacentHTML('beforebegin', '<p class="muted">The interactive graph needs the site served over HTTP; the lists below have the same content.</p>');
    });
  }
})();

// Dossier hover previews: hovering a link to another note shows its title,
// kind and first paragraph (or the linked section). Not on touch screens.
(function () {
  'use strict';
  if (!window.matchMedia('(hover: hover) and (pointer: fine)').matches) return;
  var cache = new Map(), popover = null, showTimer = null, hideTimer = null;

  function isInternal(a) {
    return a.origin === location.origin && !a.hasAttribute('download') && a.closest('.search-results') === null &&
      a.pathname !== location.pathname && /(\/|\.html)$/.test(a.pathname);
  }
  function load(url) {
    if (!cache.has(url)) {
      cache.set(url, fetch(url).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      }).then(function (html) { return new DOMParser().parseFromString(html, 'text/html'); }));
    }
    return cache.get(url);
  }
  function excerpt(doc, hash) {
    var box = document.createElement('div');
    var title = doc.querySelector('main h1');
    var kind = doc.querySelector('.note-header .kind');
    if (kind) box.appendChild(kind.cloneNode(true));
    if (title) { var h = document.createElement('strong'); h.className = 'preview-title'; h.textContent = title.textContent; box.appendChild(h); }
    var target = hash ? doc.getElementById(decodeURIComponent(hash.slice(1))) : null;
    var parts = [];
    if (target && /^H[1-6]$/.test(target.tagName)) {
      // The linked section: the heading and what follows, up to the next heading.
      parts.push(target);
      for (var n = target.nextElementSibling; n && !/^H[1-6]$/.test(n.tagName) && parts.length < 4; n = n.nextElementSibling) parts.push(n);
    } else if (target) {
      parts.push(target);
    } else {
      var first = doc.querySelector('.content > p, .content > ul, .content > blockquote');
      if (first) parts.push(first);
    }
    parts.forEach(function (p) { box.appendChild(p.cloneNode(true)); });
    box.querySelectorAll('script, iframe, video, audio').forEach(function (el) { el.remove(); });
    return box;
  }
  function hide() {
    clearTimeout(showTimer);
    hideTimer = setTimeout(function () { if (popover) { popover.remove(); popover = null; } }, 150);
  }
  function show(a) {
    load(a.href.split('#')[0]).then(function (doc) {
      if (popover) popover.remove();
      popover = document.createElement('div');
      popover.className = 'preview-popover';
      popover.setAttribute('role', 'tooltip');
      popover.appendChild(excerpt(doc, a.hash));
      popover.addEventListener('mouseenter', function () { clearTimeout(hideTimer); });
      popover.addEventListener('mouseleave', hide);
      document.body.appendChild(popover);
      var rect = a.getBoundingClientRect(), width = popover.offsetWidth, height = popover.offsetHeight;
      var left = Math.min(window.innerWidth - width - 12, Math.max(12, rect.left));
      var top = rect.bottom + 8 + height > window.innerHeight ? rect.top - height - 8 : rect.bottom + 8;
      popover.style.left = (left + window.scrollX) + 'px';
      popover.style.top = (top + window.scrollY) + 'px';
    }).catch(function () {});
  }
  document.addEventListener('mouseover', function (e) {
    var a = e.target.closest && e.target.closest('a[href]');
    if (!a || !isInternal(a)) return;
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    showTimer = setTimeout(function () { show(a); }, 250);
    a.addEventListener('mouseleave', hide, { once: true });
  });
})();
