// Start GOV.UK Frontend's components (loaded as an ES module, so it runs only
// in browsers that GOV.UK Frontend supports; others get the no-JS experience).
import { initAll } from './govuk-frontend.min.js'

initAll()

// "Copy" buttons (data-module="app-copy", data-copy-target="<input id>"): hidden without JavaScript,
// where the text is selected by hand instead; the result is said in the button itself.
for (const button of document.querySelectorAll('[data-module="app-copy"]')) {
  const target = document.getElementById(button.dataset.copyTarget)
  if (!target || !navigator.clipboard) continue
  const label = button.textContent
  button.hidden = false
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(target.value)
      button.textContent = 'Copied'
    } catch (error) {
      target.select()
      button.textContent = 'Select the link and copy it'
    }
    window.setTimeout(() => { button.textContent = label }, 4000)
  })
}
