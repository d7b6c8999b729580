// A report being made: ask for its progress every few seconds and say it in a live region.
// Nothing reloads by itself (WCAG 2.2.1): when the report is ready, a link to its downloads appears.
const panel = document.querySelector("[data-report-progress]");
if (panel) {
  const statusUrl = panel.getAttribute("data-report-progress");
  const message = panel.querySelector("[data-report-message]");
  const ready = panel.querySelector("[data-report-ready]");
  let wait = 3000;
  const poll = async () => {
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const state = await response.json();
      wait = 3000;
      if (state.status === "done" || state.status === "failed") {
        message.textContent = state.status === "done" ? "The report is ready." : "The report could not be made.";
        ready.hidden = false;
        return;
      }
      message.textContent = `Being made: ${state.progress}% (${state.step || "waiting for the worker"}).`;
    } catch (error) {
      wait = Math.min(wait * 2, 60000); // the server may be restarting: keep asking, less often
    }
    window.setTimeout(poll, wait);
  };
  window.setTimeout(poll, 3000);
}
