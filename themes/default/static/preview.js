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
