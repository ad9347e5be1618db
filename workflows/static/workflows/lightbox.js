/* 证明材料 in place: a photo opens in a lightbox (click or tap to zoom, pinch and drag on a phone, wheel on
 * a desktop), a PDF in a frame of the same lightbox. Any link with data-lightbox="image|pdf" opens here;
 * without JavaScript the link still opens the file in a new tab. No dependencies, no build step. */
(function () {
  "use strict";
  if (window.jfLightbox) return; // Turbo keeps the page's scripts between visits
  var ZOOM = 2.5, MAX = 6;
  var box, stage, title, openLink, img = null, state = null, lastFocus = null;

  function build() {
    box = document.createElement("div");
    box.className = "jf-lightbox";
    box.hidden = true;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.innerHTML =
      '<div class="jf-lightbox__bar"><span class="jf-lightbox__title"></span>' +
      '<a class="jf-lightbox__open" target="_blank" rel="noopener"><i class="material-icons">open_in_new</i>新窗口打开</a>' +
      '<button type="button" class="jf-lightbox__close" aria-label="关闭"><i class="material-icons">close</i>关闭</button></div>' +
      '<div class="jf-lightbox__stage"></div>';
    document.body.appendChild(box);
    stage = box.querySelector(".jf-lightbox__stage");
    title = box.querySelector(".jf-lightbox__title");
    openLink = box.querySelector(".jf-lightbox__open");
    box.querySelector(".jf-lightbox__close").addEventListener("click", close);
    stage.addEventListener("click", function (event) {
      if (event.target === stage) close(); // the dark margin around the photo
    });
    stage.addEventListener("pointerdown", down);
    stage.addEventListener("pointermove", move);
    stage.addEventListener("pointerup", up);
    stage.addEventListener("pointercancel", up);
    stage.addEventListener("wheel", wheel, { passive: false });
  }

  function open(link) {
    if (!box || !document.body.contains(box)) build(); // Turbo replaces <body> on each visit
    lastFocus = link;
    var kind = link.getAttribute("data-lightbox");
    title.textContent = link.getAttribute("title") || "";
    openLink.href = link.href;
    stage.textContent = "";
    box.classList.remove("jf-lightbox--zoomed");
    img = null;
    if (kind === "pdf") {
      var frame = document.createElement("iframe");
      frame.src = link.href;
      frame.title = title.textContent;
      stage.appendChild(frame);
    } else {
      img = document.createElement("img");
      img.src = link.href;
      img.alt = title.textContent;
      img.draggable = false;
      stage.appendChild(img);
      reset();
    }
    box.hidden = false;
    document.body.classList.add("jf-lightbox-open");
    box.querySelector(".jf-lightbox__close").focus();
  }

  function close() {
    if (!box || box.hidden) return;
    box.hidden = true;
    stage.textContent = "";
    img = null;
    document.body.classList.remove("jf-lightbox-open");
    if (lastFocus && document.body.contains(lastFocus)) lastFocus.focus();
  }

  // --- zoom and pan: one transform, scale s about the image's top-left, shifted by (x, y) ---------------
  function reset() {
    state = { s: 1, x: 0, y: 0, pointers: {}, pinch: null, moved: false, start: null };
    apply();
  }

  function apply() {
    if (!img) return;
    img.style.transform = "translate(" + state.x + "px," + state.y + "px) scale(" + state.s + ")";
    box.classList.toggle("jf-lightbox--zoomed", state.s > 1);
  }

  function zoomAt(scale, clientX, clientY) {
    // Keep the point under the finger (or the cursor) where it is while the scale changes.
    var rect = img.getBoundingClientRect();
    var px = (clientX - rect.left) / state.s, py = (clientY - rect.top) / state.s;
    var next = Math.min(MAX, Math.max(1, scale));
    state.x += (state.s - next) * px;
    state.y += (state.s - next) * py;
    state.s = next;
    if (next === 1) { state.x = 0; state.y = 0; }
    apply();
  }

  function points() {
    return Object.keys(state.pointers).map(function (id) { return state.pointers[id]; });
  }

  function down(event) {
    if (!img || event.target !== img) return;
    img.setPointerCapture(event.pointerId);
    state.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var p = points();
    if (p.length === 2) {
      state.pinch = { d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y), s: state.s };
    } else {
      state.moved = false;
      state.start = { x: event.clientX, y: event.clientY, ox: state.x, oy: state.y };
    }
  }

  function move(event) {
    if (!img || !state.pointers[event.pointerId]) return;
    state.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var p = points();
    if (p.length === 2 && state.pinch) {
      var d = Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
      state.moved = true;
      zoomAt(state.pinch.s * d / state.pinch.d, (p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2);
    } else if (p.length === 1 && state.start) {
      var dx = event.clientX - state.start.x, dy = event.clientY - state.start.y;
      if (Math.abs(dx) + Math.abs(dy) > 6) state.moved = true;
      if (state.s > 1) {
        state.x = state.start.ox + dx;
        state.y = state.start.oy + dy;
        apply();
      }
    }
  }

  function up(event) {
    if (!img || !state.pointers[event.pointerId]) return;
    delete state.pointers[event.pointerId];
    var remaining = points().length;
    if (remaining < 2) state.pinch = null;
    if (remaining === 0) {
      if (!state.moved) {
        // A click or a tap: zoom in at that point, or back out.
        if (state.s > 1) reset(); else zoomAt(ZOOM, event.clientX, event.clientY);
      }
      state.start = null;
    }
  }

  function wheel(event) {
    if (!img) return;
    event.preventDefault();
    zoomAt(state.s * (event.deltaY < 0 ? 1.2 : 1 / 1.2), event.clientX, event.clientY);
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var link = event.target.closest && event.target.closest("a[data-lightbox]");
    if (!link) return;
    var kind = link.getAttribute("data-lightbox");
    if (kind !== "image" && kind !== "pdf") return; // other files: the browser opens them
    event.preventDefault();
    event.stopPropagation();
    open(link);
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });
  document.addEventListener("turbo:before-visit", close);

  window.jfLightbox = { open: open, close: close };
})();
