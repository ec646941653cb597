// Live feedback on a written reply: asks the API as the person types (debounced), shows it in a live region.
(function () {
  const form = document.getElementById("reply-form");
  if (!form) return;
  const box = document.getElementById("reply");
  const out = document.getElementById("live-feedback");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const scenario = form.dataset.scenario;
  let timer = null, asked = 0;
  function render(data) {
    if (data.crisis) { out.innerHTML = ""; const p = document.createElement("p"); p.className = "crisis"; p.textContent = data.crisis.message; out.appendChild(p); return; }
    if (data.detail) { out.textContent = data.detail; return; }
    out.innerHTML = "";
    const list = document.createElement("ul");
    for (const [name, m] of Object.entries(data.mechanisms)) {
      const li = document.createElement("li");
      li.innerHTML = `<strong></strong>: <span class="level-${m.level}"></span>`;
      li.querySelector("strong").textContent = name.replace("_", " ");
      li.querySelector("span").textContent = m.level;
      list.appendChild(li);
    }
    out.appendChild(list);
    const tips = document.createElement("ol");
    for (const tip of data.suggestions) { const li = document.createElement("li"); li.textContent = tip.text; tips.appendChild(li); }
    out.appendChild(tips);
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    const text = box.value.trim();
    if (text.length < 8) return;
    timer = setTimeout(async function () {
      const ticket = ++asked;
      out.setAttribute("aria-busy", "true");
      try {
        const response = await fetch("/api/v1/written/feedback", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ scenario_id: scenario, reply: text.slice(0, 5000) }),
        });
        const data = await response.json();
        if (ticket === asked) render(data);
      } catch (error) {
        out.textContent = "Live feedback is unavailable right now; you can still send your reply.";
      } finally { out.removeAttribute("aria-busy"); }
    }, 600);
  });
})();
